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

Status KafkaAuditSink::Record(const audit::v1::AccessAudited& event) {
  kafka::OutboundMessage m;
  m.topic = topic_;
  m.key = event.user_id().empty() ? "anonymous" : event.user_id();
  event.SerializeToString(&m.value);
  m.headers = {{"sightline-schema", "sightline.audit.v1.AccessAudited"},
               {"content-type", "application/x-protobuf"}};
  auto deliveries = producer_.SendAndWait(std::span(&m, 1));
  if (deliveries.empty()) return Unavailable("audit: no delivery report");
  return deliveries[0].status;
}

}  // namespace sightline::audit_log
