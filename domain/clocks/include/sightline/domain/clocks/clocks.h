// The watchdog's rule engine: which clocks a child's events start, when each falls due, and the
// alert lifecycle that follows (raised, escalated level by level, acknowledged, acknowledgement
// expired, resolved, cancelled). docs/adr/0005-watchdog.md.
//
// Event time sets deadlines; a horizon fires them. Everything here is a pure function of the
// child's *set* of events (duplicates, corrections and arrival order do not matter), the policy
// and the horizon: the instant up to which the caller has seen every event (the watchdog's last
// caught-up wall-clock tick; the backtest's simulated time). Steps that take effect after the
// horizon are not emitted yet; their time is the clock's next wake-up.
//
// What was already emitted is a ledger the caller stores; ReconcileChild emits only what the
// ledger lacks, each step with a deterministic event id, so replays and retries emit nothing
// twice. Pure and deterministic: no clock, no I/O.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "sightline/alerts/v1/alerts.pb.h"
#include "sightline/domain/clocks/policy.h"
#include "sightline/events/v1/envelope.pb.h"
#include "sightline/watchdog/v1/watchdog.pb.h"

namespace sightline::domain {

struct Acknowledgement {
  Instant at;
  std::string by;
  std::string note;
  std::string event_id;
};

// One clock of one child (or wider subject, subjects.h) under one rule, derived from its events.
struct ClockInstance {
  std::size_t rule = 0;  // Index into ClockPolicy::rules.
  std::string clock_id;  // "<rule_id>/<stream>/<anchor_event_id>" (stream: the child id, or
                         // "@household:<id>", ...).
  // The child: for a household clock the child whose event started it; empty for a team or area.
  std::string child_id;
  std::string subject;  // "household:<id>", "team:<id>", "area:<name>"; empty for a child.
  std::string anchor_event_id;
  std::string anchor_ref;  // The matched CaseRefs value, if any.
  std::string team_id;
  Instant started;
  Instant due;  // Overdue from this instant.
  std::optional<Instant> ended;
  bool stopped = false;  // Ended by the awaited event (else cancelled, or open).
  std::string end_event_id;
  std::string end_reason;
  std::vector<Acknowledgement> acks;  // In time order.
};

// The clocks of one stream (a child's, or a subject's: subjects.h), under the rules of its scope.
std::vector<ClockInstance> DeriveClocks(const ClockPolicy& policy, const std::string& stream,
                                        std::span<const events::v1::Envelope> events);

// "<clock_id>/L<level>": what an AlertAcknowledged event quotes.
std::string AlertId(const std::string& clock_id, int level);

struct PlannedStep {
  alerts::v1::Step step = alerts::v1::STEP_UNSPECIFIED;
  int level = 1;
  int cycle = 0;
  Instant at;
  const Acknowledgement* ack = nullptr;
  std::string event_id;
};

struct AlertPlan {
  std::vector<PlannedStep> steps;    // Up to the horizon, plus the terminal step if ended.
  bool terminal = false;             // Resolved or cancelled (or prevented: no steps at all).
  std::optional<Instant> next_wake;  // The next step after the horizon, if any.
  int level = 0;                     // 0: not raised.
  bool acknowledged = false;
  std::string acknowledged_by;
};

AlertPlan PlanAlert(const ClockPolicy& policy, const ClockInstance& clock, Instant horizon);

struct Reconciled {
  std::vector<alerts::v1::AlertEvent> emit;  // In order; emitted_at set to the given instant.
  watchdog::v1::ChildLedger ledger;          // The new ledger (deadline_keys left empty).
  std::vector<watchdog::v1::Deadline> open;  // The child's open clocks.
};

// `child_id` is the stream's key: a child's id, or a subject's stream (subjects.h).
Reconciled ReconcileChild(const ClockPolicy& policy, const std::string& child_id,
                          std::span<const events::v1::Envelope> events,
                          const watchdog::v1::ChildLedger& previous, Instant horizon,
                          Instant emitted_at);

// The stream an alert event belongs to: its subject's ("@" + subject), or else its child's.
std::string StreamOfAlert(const alerts::v1::AlertEvent& event);

// Records in `ledger` (a stream's) that `event` was emitted, as the alerts topic shows it: the
// ledger of a watchdog that takes over from another (ADR 0022) learns what the other sent, so
// it neither sends that again nor stays silent about a clock the other raised. A resolution or
// cancellation closes the clock. Returns whether the ledger changed (false for a heartbeat or an
// event it already holds).
bool MarkEmitted(watchdog::v1::ChildLedger& ledger, const alerts::v1::AlertEvent& event);

// The whole engine in memory, for the backtest and tests: the same functions the watchdog runs
// against RocksDB, with simulated time.
class AlertEngine {
 public:
  explicit AlertEngine(const ClockPolicy& policy) : policy_(policy) {}

  // Adds events (duplicates by event id ignored) and reconciles their children at `horizon`.
  std::vector<alerts::v1::AlertEvent> Apply(std::span<const events::v1::Envelope> events,
                                            Instant horizon, Instant emitted_at);
  // Everything due by `now` fires (horizon = now).
  std::vector<alerts::v1::AlertEvent> Tick(Instant now);
  // Every open clock, ordered by child then clock id.
  std::vector<watchdog::v1::Deadline> OpenClocks() const;

 private:
  std::vector<alerts::v1::AlertEvent> Reconcile(const std::string& child, Instant horizon,
                                                Instant emitted_at);

  const ClockPolicy& policy_;
  std::map<std::string, std::vector<events::v1::Envelope>> events_;
  std::set<std::string> event_ids_;  // "<stream>\0<event id>": each event once per stream.
  std::map<std::string, watchdog::v1::ChildLedger> ledgers_;
  std::map<std::string, std::vector<watchdog::v1::Deadline>> open_;
  std::map<std::string, Instant> wake_of_;
  std::set<std::pair<Instant, std::string>> wakes_;
};

}  // namespace sightline::domain
