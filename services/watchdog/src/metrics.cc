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
      delay_(prometheus::BuildHistogram()
                 .Name("sightline_watchdog_alert_delay_seconds")
                 .Help("From the moment a raise or escalation fell due to its alert event")
                 .Register(*registry_)
                 .Add({}, prometheus::Histogram::BucketBoundaries{0.5, 1, 2, 5, 10, 30, 60, 300,
                                                                  900, 3600, 86400})) {}

void WatchdogMetrics::Observe(const Change& change) {
  events_.Add({{"outcome", "applied"}}).Increment(static_cast<double>(change.applied));
  events_.Add({{"outcome", "duplicate"}}).Increment(static_cast<double>(change.duplicates));
  events_.Add({{"outcome", "dead_lettered"}}).Increment(static_cast<double>(change.dead.size()));
  for (const av::AlertEvent& e : change.emitted) {
    std::string step = av::Step_Name(e.step()).substr(5);
    alert_events_.Add({{"step", step}, {"rule", e.rule_id()}}).Increment();
    if (e.step() == av::STEP_RAISED || e.step() == av::STEP_ESCALATED) {
      delay_.Observe(std::max(
          0.0,
          std::chrono::duration<double>(ToInstant(e.emitted_at()) - ToInstant(e.at())).count()));
    }
  }
}

void WatchdogMetrics::OpenClocks(const std::vector<watchdog::v1::Deadline>& open, Instant now) {
  std::map<std::string, int> by_rule;
  std::map<std::pair<std::string, int>, int> alerts;
  for (const auto& r : rules_seen_) by_rule[r] = 0;
  std::optional<Instant> oldest;
  for (const watchdog::v1::Deadline& d : open) {
    ++by_rule[d.rule_id()];
    rules_seen_.insert(d.rule_id());
    if (!d.raised()) continue;
    ++alerts[{d.acknowledged() ? "acknowledged" : "unacknowledged", d.level()}];
    Instant due = ToInstant(d.due_at());
    if (!oldest || due < *oldest) oldest = due;
  }
  for (const auto& [rule, n] : by_rule) open_clocks_.Add({{"rule", rule}}).Set(n);
  for (auto& [key, n] : alert_levels_seen_) n = 0;
  for (const auto& [key, n] : alerts) alert_levels_seen_[key] = n;
  for (const auto& [key, n] : alert_levels_seen_)
    alerts_.Add({{"state", key.first}, {"level", std::to_string(key.second)}}).Set(n);
  oldest_breach_.Set(oldest ? std::max(0.0, std::chrono::duration<double>(now - *oldest).count())
                            : 0);
}

}  // namespace sightline::watchdog_service
