#include "kafka_sink.h"

#include "sightline/domain/events/codec.h"

namespace sightline::gateway {

std::vector<kafka::Delivery> KafkaEventSink::Write(std::span<const events::v1::Envelope> events) {
  std::vector<kafka::OutboundMessage> messages;
  messages.reserve(events.size());
  for (const events::v1::Envelope& e : events) {
    kafka::OutboundMessage& m = messages.emplace_back();
    m.topic = topic_;
    m.key = e.child_id();
    m.value = e.SerializeAsString();
    m.headers = {{"sightline-schema", "sightline.events.v1.Envelope"},
                 {"sightline-event-type", std::string(*domain::EventTypeName(e))},
                 {"sightline-event-id", e.event_id()},
                 {"content-type", "application/x-protobuf"}};
  }
  return producer_->SendAndWait(messages);
}

Status KafkaEventSink::Ready() {
  if (producer_->HasFatalError()) return Internal("the Kafka producer hit a fatal error");
  return producer_->Ping(topic_, std::chrono::milliseconds(2000));
}

}  // namespace sightline::gateway
