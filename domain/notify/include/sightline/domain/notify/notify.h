// What on-call receivers are told about the watchdog's alert events (docs/adr/0006-notifier.md).
// Pure: the notifier service stores the state and does the sending.
//
// Each raise or escalation is its own alert (alert id `<clock>/L<n>`), routed by level and team
// to receivers and triggered there. An acknowledgement acknowledges every open level of the
// clock, its expiry triggers them again, and resolution or cancellation resolves them all; each
// step goes to the receivers the level was routed to when raised.
#pragma once

#include <chrono>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "sightline/alerts/v1/alerts.pb.h"
#include "sightline/domain/calendar/calendar.h"
#include "sightline/notifier/v1/notifier.pb.h"

namespace sightline::domain {

// Every route whose levels and teams match (empty: any) adds its receivers.
struct NotifyRoute {
  std::set<int> levels;
  std::set<std::string> teams;
  std::vector<std::string> receivers;
};
std::vector<std::string> RouteReceivers(const std::vector<NotifyRoute>& routes, int level,
                                        const std::string& team);

struct Notice {
  std::string receiver;
  notifier::v1::Action action = notifier::v1::ACTION_UNSPECIFIED;
  notifier::v1::LevelAlert alert;
};

// Applies one alert event (not a heartbeat) to the clock's state and returns what each receiver
// must be told. A duplicate (event id already applied) changes nothing and returns nothing.
std::vector<Notice> ApplyAlertEvent(notifier::v1::ClockNotice& clock,
                                    const alerts::v1::AlertEvent& event,
                                    const std::vector<NotifyRoute>& routes);

// PagerDuty severity of a level: 1 warning, 2 error, 3 and above critical. Sightline's own
// alerts are critical.
std::string Severity(const notifier::v1::LevelAlert& alert);
// Labels for Alertmanager: the identity and what routing needs, no personal detail.
std::map<std::string, std::string> AlertLabels(const notifier::v1::LevelAlert& alert);
// One line for a pager: rule, child id, level and role, due time.
std::string AlertSummary(const notifier::v1::LevelAlert& alert);
// The child's page on the triage screen, e.g. http://host:8081/#child/c-1 (empty: no child).
std::string ChildLink(const std::string& triage_base_url, const notifier::v1::LevelAlert& alert);

// Sightline's own alerts.
notifier::v1::LevelAlert HeartbeatMissingAlert(Instant last_beat, Instant missing_since,
                                               std::chrono::seconds interval);
notifier::v1::LevelAlert UndeliverableAlert(const std::string& receiver, Instant oldest,
                                            Instant since, std::size_t queued);

// Retry delay after `failures` consecutive failures: exponential from `initial`, capped at
// `max`, with full jitter (`unit` is a uniform random number in [0, 1)).
std::chrono::milliseconds RetryDelay(int failures, std::chrono::milliseconds initial,
                                     std::chrono::milliseconds max, double unit);

}  // namespace sightline::domain
