#include "sightline/audit_log/sink.h"

namespace sightline::audit_log {

audit::v1::AccessAudited NewRecord(const std::string& service, Instant at, std::uint64_t seq) {
  audit::v1::AccessAudited e;
  e.set_audit_id(service + "-" +
                 std::to_string(at.time_since_epoch() / std::chrono::microseconds(1)) + "-" +
                 std::to_string(seq));
  *e.mutable_at() = ToTimestamp(at);
  e.set_service(service);
  return e;
}

void AuditSink::RecordAll(const std::vector<audit::v1::AccessAudited>& events,
                          std::function<void(Status)> done) {
  std::function<void(Status)> finish = std::move(done);
  for (const audit::v1::AccessAudited& e : events) {
    if (Status s = Record(e); !s.ok()) return finish(s);
  }
  finish(Status::Ok());
}

namespace {

kafka::OutboundMessage Message(const std::string& topic, const audit::v1::AccessAudited& event) {
  kafka::OutboundMessage m;
  m.topic = topic;
  m.key = event.user_id().empty() ? "anonymous" : event.user_id();
  event.SerializeToString(&m.value);
  m.headers = {{"sightline-schema", "sightline.audit.v1.AccessAudited"},
               {"content-type", "application/x-protobuf"}};
  return m;
}

Status FirstFailure(const std::vector<kafka::Delivery>& deliveries, std::size_t expected) {
  if (deliveries.size() != expected) return Unavailable("audit: missing delivery reports");
  for (const kafka::Delivery& d : deliveries)
    if (!d.status.ok()) return d.status;
  return Status::Ok();
}

}  // namespace

Status KafkaAuditSink::Record(const audit::v1::AccessAudited& event) {
  kafka::OutboundMessage m = Message(topic_, event);
  return FirstFailure(producer_.SendAndWait(std::span(&m, 1)), 1);
}

void KafkaAuditSink::RecordAll(const std::vector<audit::v1::AccessAudited>& events,
                               std::function<void(Status)> done) {
  std::vector<kafka::OutboundMessage> messages;
  messages.reserve(events.size());
  for (const audit::v1::AccessAudited& e : events) messages.push_back(Message(topic_, e));
  producer_.Send(messages, [done = std::move(done),
                            n = messages.size()](const std::vector<kafka::Delivery>& deliveries) {
    done(FirstFailure(deliveries, n));
  });
}

}  // namespace sightline::audit_log
