// The watchdog's own Prometheus metrics (prometheus-cpp metrics are thread-safe). The consumer
// shell adds lag, applied offsets, caught-up and apply errors to the same registry.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "sightline/core/time.h"
#include "sightline/watchdog/v1/watchdog.pb.h"
#include "state.h"

namespace sightline::watchdog_service {

class WatchdogMetrics {
 public:
  WatchdogMetrics();
  prometheus::Registry& registry() { return *registry_; }

  // A committed batch or tick: events by outcome, alert events by step and rule.
  void Observe(const Change& change);
  // Alert events the alerts topic acknowledged at `now`: for raises and escalations, the time
  // from falling due to being on the topic.
  void Delivered(alerts::v1::Step step, Instant due, Instant now);
  // Open clocks by rule, open alerts by state and level, the longest breach (at `now`).
  void SetGauges(const Gauges& gauges, Instant now);
  void OutboxPending(std::uint64_t n) { outbox_.Set(static_cast<double>(n)); }
  // 1 while this instance holds the lease (or has none to hold), 0 while it stands by.
  void Active(bool active) { active_.Set(active ? 1 : 0); }
  void TookOver() { takeovers_.Increment(); }

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>& events_;
  prometheus::Family<prometheus::Counter>& alert_events_;
  prometheus::Family<prometheus::Gauge>& open_clocks_;
  prometheus::Family<prometheus::Gauge>& alerts_;
  prometheus::Gauge& oldest_breach_;
  prometheus::Gauge& outbox_;
  prometheus::Gauge& active_;
  prometheus::Counter& takeovers_;
  prometheus::Histogram& delay_;
  std::set<std::string> rules_seen_;  // Gauges of rules whose clocks all closed go to 0.
  std::set<std::pair<std::string, int>> alert_levels_seen_;
};

}  // namespace sightline::watchdog_service
