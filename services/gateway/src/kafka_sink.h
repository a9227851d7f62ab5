// EventSink onto Kafka: each event becomes one binary Envelope on the events topic, keyed by
// child_id, with headers naming its type and schema so tools can route without decoding.
#pragma once

#include <memory>
#include <string>

#include "ingest.h"
#include "sightline/kafka/producer.h"

namespace sightline::gateway {

class KafkaEventSink final : public EventSink {
 public:
  KafkaEventSink(std::unique_ptr<kafka::Producer> producer, std::string topic)
      : producer_(std::move(producer)), topic_(std::move(topic)) {}

  std::vector<kafka::Delivery> Write(std::span<const events::v1::Envelope> events) override;
  std::optional<std::vector<kafka::Delivery>> WriteWithin(
      std::span<const events::v1::Envelope> events, std::chrono::milliseconds wait,
      const Late& late) override;
  Status Ready() override;
  bool Broken() const { return producer_->HasFatalError(); }
  kafka::Producer& producer() { return *producer_; }  // Shared with the audit writer.

 private:
  std::vector<kafka::OutboundMessage> Messages(std::span<const events::v1::Envelope> events) const;

  std::unique_ptr<kafka::Producer> producer_;
  std::string topic_;
};

}  // namespace sightline::gateway
