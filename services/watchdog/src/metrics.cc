#include "metrics.h"

#include <optional>

namespace sightline::watchdog_service {
namespace {

namespace av = alerts::v1;

}  // namespace

WatchdogMetrics::WatchdogMetrics()
    : registry_(std::make_shared<prometheus::Registry>()),
      events_(prometheus::BuildCounter()
                  .Name("sightline_watchdog_events_total")
                  .Help("Consumed events by outcome (applied, duplicate, dead_lettered)")
                  .Register(*registry_)),
      alert_events_(prometheus::BuildCounter()
                        .Name("sightline_watchdog_alert_events_total")
                        .Help("Alert lifecycle events put in the outbox, by step and rule")
                        .Register(*registry_)),
      open_clocks_(prometheus::BuildGauge()
                       .Name("sightline_watchdog_open_clocks")
                       .Help("Clocks running (not yet stopped or cancelled), by rule")
                       .Register(*registry_)),
      alerts_(prometheus::BuildGauge()
                  .Name("sightline_watchdog_alerts")
                  .Help("Open alerts by state (unacknowledged, acknowledged) and ladder level")
                  .Register(*registry_)),
      oldest_breach_(prometheus::BuildGauge()
                         .Name("sightline_watchdog_oldest_breach_seconds")
                         .Help("How long the longest-overdue open alert has been overdue")
                         .Register(*registry_)
                         .Add({})),
      outbox_(prometheus::BuildGauge()
                  .Name("sightline_watchdog_outbox_pending")
                  .Help("Alert events committed but not yet acknowledged by the alerts topic")
                  .Register(*registry_)
                  .Add({})),
      active_(prometheus::BuildGauge()
                  .Name("sightline_watchdog_active")
                  .Help("1 while this instance raises alerts (it holds the lease, or there is "
                        "none), 0 while it stands by")
                  .Register(*registry_)
                  .Add({})),
      takeovers_(prometheus::BuildCounter()
                     .Name("sightline_watchdog_takeovers_total")
                     .Help("Times this instance took the lease and adopted the alerts topic")
                     .Register(*registry_)
                     .Add({})),
      delay_(prometheus::BuildHistogram()
                 .Name("sightline_watchdog_alert_delay_seconds")
                 .Help("From the moment a raise or escalation fell due to its alert event's "
                       "acknowledgement by the alerts topic")
                 .Register(*registry_)
                 .Add({}, prometheus::Histogram::BucketBoundaries{0.5, 1, 2, 5, 10, 30, 60, 300,
                                                                  900, 3600, 86400})) {}

void WatchdogMetrics::Observe(const Change& change) {
  events_.Add({{"outcome", "applied"}}).Increment(static_cast<double>(change.applied));
  events_.Add({{"outcome", "duplicate"}}).Increment(static_cast<double>(change.duplicates));
  events_.Add({{"outcome", "dead_lettered"}}).Increment(static_cast<double>(change.dead.size()));
  for (const auto& [key, n] : change.emitted) {
    alert_events_.Add({{"step", av::Step_Name(key.first).substr(5)}, {"rule", key.second}})
        .Increment(static_cast<double>(n));
  }
}

void WatchdogMetrics::Delivered(av::Step step, Instant due, Instant now) {
  if (step != av::STEP_RAISED && step != av::STEP_ESCALATED) return;
  delay_.Observe(std::max(0.0, std::chrono::duration<double>(now - due).count()));
}

void WatchdogMetrics::SetGauges(const Gauges& g, Instant now) {
  // A rule or level seen once keeps its series, at 0 when nothing is open.
  for (const auto& [rule, n] : g.open_by_rule) rules_seen_.insert(rule);
  for (const std::string& rule : rules_seen_) {
    auto it = g.open_by_rule.find(rule);
    open_clocks_.Add({{"rule", rule}})
        .Set(it == g.open_by_rule.end() ? 0 : static_cast<double>(it->second));
  }
  for (const auto& [key, n] : g.alerts) alert_levels_seen_.insert(key);
  for (const auto& key : alert_levels_seen_) {
    auto it = g.alerts.find(key);
    alerts_.Add({{"state", key.first}, {"level", std::to_string(key.second)}})
        .Set(it == g.alerts.end() ? 0 : static_cast<double>(it->second));
  }
  oldest_breach_.Set(
      g.oldest_due ? std::max(0.0, std::chrono::duration<double>(now - *g.oldest_due).count()) : 0);
}

}  // namespace sightline::watchdog_service
