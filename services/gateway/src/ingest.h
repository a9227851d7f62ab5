// The gateway's request logic, independent of Kafka and of the HTTP library: it validates a body
// of one event (JSON) or many (NDJSON) with the domain rules, hands valid events to an EventSink,
// and turns the outcome into the response. All-or-nothing validation: if any event of a batch is
// invalid, nothing is written and every rejection is listed (line, event_id, field, reason).
// 202 only after the sink says every event is durable; otherwise 503 saying which were written
// (resending them is harmless: event_id is the idempotency key). Thread-safe if the sink is.
#pragma once

#include <span>
#include <vector>

#include "metrics.h"
#include "sightline/clock/clock.h"
#include "sightline/domain/events/validation.h"
#include "sightline/events/v1/envelope.pb.h"
#include "sightline/http/server.h"
#include "sightline/kafka/producer.h"

namespace sightline::gateway {

// Where accepted events go. Write returns one Delivery per event, in order, once each is durable
// or has failed.
class EventSink {
 public:
  virtual ~EventSink() = default;
  virtual std::vector<kafka::Delivery> Write(std::span<const events::v1::Envelope> events) = 0;
  virtual Status Ready() = 0;
};

struct IngestOptions {
  domain::ValidationLimits limits;
  std::size_t max_batch_events = 1000;
};

class IngestHandler {
 public:
  IngestHandler(EventSink& sink, const Clock& clock, GatewayMetrics& metrics, IngestOptions options)
      : sink_(sink), clock_(clock), metrics_(metrics), options_(options) {}

  http::Response PostEvents(const http::Request& request);
  http::Response Ready();

 private:
  EventSink& sink_;
  const Clock& clock_;
  GatewayMetrics& metrics_;
  IngestOptions options_;
};

}  // namespace sightline::gateway
