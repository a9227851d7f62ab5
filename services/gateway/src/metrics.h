// The gateway's Prometheus metrics, built once and shared by every request thread
// (prometheus-cpp counters and histograms are thread-safe).
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <memory>
#include <string>

namespace sightline::gateway {

class GatewayMetrics {
 public:
  GatewayMetrics();
  prometheus::Registry& registry() { return *registry_; }

  void Request(const std::string& endpoint, int status);
  void Events(const std::string& outcome, const std::string& type, double count = 1);
  void ProduceLatency(double seconds) { produce_latency_->Observe(seconds); }
  void KafkaReady(bool ready) { kafka_ready_->Set(ready ? 1 : 0); }
  // Audit records of refused calls, by result ("written", "failed").
  void Audited(const std::string& result) { audited_->Add({{"result", result}}).Increment(); }

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>* requests_;
  prometheus::Family<prometheus::Counter>* events_;
  prometheus::Histogram* produce_latency_;
  prometheus::Gauge* kafka_ready_;
  prometheus::Family<prometheus::Counter>* audited_;
};

}  // namespace sightline::gateway
