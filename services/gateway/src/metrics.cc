#include "metrics.h"

namespace sightline::gateway {

GatewayMetrics::GatewayMetrics() : registry_(std::make_shared<prometheus::Registry>()) {
  requests_ = &prometheus::BuildCounter()
                   .Name("sightline_gateway_http_requests_total")
                   .Help("HTTP requests by endpoint and status code")
                   .Register(*registry_);
  events_ = &prometheus::BuildCounter()
                 .Name("sightline_gateway_events_total")
                 .Help("Events by outcome (accepted, rejected, unavailable) and event type")
                 .Register(*registry_);
  produce_latency_ =
      &prometheus::BuildHistogram()
           .Name("sightline_gateway_produce_latency_seconds")
           .Help("Time from handing a request's events to Kafka to the last acknowledgement")
           .Register(*registry_)
           .Add({}, prometheus::Histogram::BucketBoundaries{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                            0.1, 0.25, 0.5, 1, 2.5, 5, 10});
  kafka_ready_ = &prometheus::BuildGauge()
                      .Name("sightline_gateway_kafka_ready")
                      .Help("1 when the last readiness check reached the broker and the topic")
                      .Register(*registry_)
                      .Add({});
  audited_ = &prometheus::BuildCounter()
                  .Name("sightline_gateway_audit_records_total")
                  .Help("Audit records of refused calls (401, 403), by result: written or failed")
                  .Register(*registry_);
}

void GatewayMetrics::Request(const std::string& endpoint, int status) {
  requests_->Add({{"endpoint", endpoint}, {"code", std::to_string(status)}}).Increment();
}

void GatewayMetrics::Events(const std::string& outcome, const std::string& type, double count) {
  events_->Add({{"outcome", outcome}, {"type", type}}).Increment(count);
}

}  // namespace sightline::gateway
