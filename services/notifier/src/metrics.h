// The notifier's own Prometheus metrics (prometheus-cpp metrics are thread-safe). The consumer
// shell adds lag, applied offsets, caught-up and apply errors to the same registry.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <map>
#include <memory>
#include <string>

#include "config.h"
#include "state.h"

namespace sightline::notifier_service {

class NotifierMetrics {
 public:
  explicit NotifierMetrics(const NotifierConfig& config);
  prometheus::Registry& registry() { return *registry_; }

  void Consumed(const Change& change);
  // outcome: delivered | failed | rejected.
  void Delivery(const std::string& receiver, const std::string& outcome, double n = 1);
  void Latency(const std::string& receiver, double seconds);
  void Receiver(const std::string& receiver, double queued, double oldest_seconds, bool open);
  void Heartbeat(double age_seconds, double last_unix_seconds);

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>& alert_events_;
  prometheus::Family<prometheus::Counter>& deliveries_;
  prometheus::Family<prometheus::Histogram>& latency_family_;
  prometheus::Family<prometheus::Gauge>& queue_depth_;
  prometheus::Family<prometheus::Gauge>& oldest_;
  prometheus::Family<prometheus::Gauge>& circuit_open_;
  prometheus::Gauge& heartbeat_age_;
  prometheus::Gauge& heartbeat_last_;
  std::map<std::string, prometheus::Histogram*> latency_;  // Per receiver.
};

}  // namespace sightline::notifier_service
