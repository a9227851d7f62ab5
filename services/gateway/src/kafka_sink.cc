#include "kafka_sink.h"

#include <condition_variable>
#include <mutex>

#include "sightline/domain/events/codec.h"

namespace sightline::gateway {

namespace {

// One WriteWithin call, shared with the producer's callback, which may outlive the call.
struct Pending {
  std::mutex mu;
  std::condition_variable done_cv;
  bool done = false;
  bool abandoned = false;  // The caller stopped waiting: the callback hands over to `late`.
  std::vector<kafka::Delivery> deliveries;
  EventSink::Late late;
};

}  // namespace

std::vector<kafka::OutboundMessage> KafkaEventSink::Messages(
    std::span<const events::v1::Envelope> events) const {
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
  return messages;
}

std::vector<kafka::Delivery> KafkaEventSink::Write(std::span<const events::v1::Envelope> events) {
  return producer_->SendAndWait(Messages(events));
}

std::optional<std::vector<kafka::Delivery>> KafkaEventSink::WriteWithin(
    std::span<const events::v1::Envelope> events, std::chrono::milliseconds wait,
    const Late& late) {
  auto pending = std::make_shared<Pending>();
  pending->late = late;
  producer_->Send(Messages(events), [pending](std::vector<kafka::Delivery> deliveries) {
    std::unique_lock lock(pending->mu);
    if (pending->abandoned) {
      lock.unlock();
      pending->late(std::move(deliveries));
      return;
    }
    pending->deliveries = std::move(deliveries);
    pending->done = true;
    pending->done_cv.notify_all();
  });
  std::unique_lock lock(pending->mu);
  if (pending->done_cv.wait_for(lock, wait, [&] { return pending->done; })) {
    return std::move(pending->deliveries);
  }
  pending->abandoned = true;
  return std::nullopt;
}

Status KafkaEventSink::Ready() {
  if (producer_->HasFatalError()) return Internal("the Kafka producer hit a fatal error");
  return producer_->Ping(topic_, std::chrono::milliseconds(2000));
}

}  // namespace sightline::gateway
