// The watchdog crash test's month (issue 5, issue 15): four weeks of a county's front door in
// September 2026, each event recorded when it happened, and the team manager's acknowledgement
// of an alert. Shared by the broker crash test and the broker-free batching test, so that both
// replay the same story.
#pragma once

#include <algorithm>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "sightline/alerts/v1/alerts.pb.h"
#include "sightline/core/time.h"
#include "sightline/domain/clocks/clocks.h"
#include "sightline/simulator/simulate.h"

namespace sightline::testing {

inline constexpr int kMonthDays = 28;

// Every event is recorded when it happened, so that an event never arrives after the tick that
// its own deadline needs: the ids emitted then do not depend on how a step is batched.
inline std::vector<events::v1::Envelope> WatchdogMonth(Instant start) {
  domain::SimulationParams p;
  p.seed = 4242;
  p.start_day = std::chrono::floor<std::chrono::days>(start);
  p.days = kMonthDays;
  p.contacts_per_day = 30;
  p.care_leavers = 20;
  p.id_prefix = "wdc";
  std::vector<events::v1::Envelope> events = domain::Simulate(p);
  for (events::v1::Envelope& e : events) *e.mutable_recorded_at() = e.occurred_at();
  std::stable_sort(events.begin(), events.end(), [](const auto& a, const auto& b) {
    return ToInstant(a.occurred_at()) < ToInstant(b.occurred_at());
  });
  return events;
}

// A team manager acknowledges the alert at `at` (the anchor event gives the team and refs).
inline events::v1::Envelope MonthAcknowledgement(const alerts::v1::AlertEvent& alert,
                                                 const events::v1::Envelope& anchor, Instant at) {
  namespace v1 = events::v1;
  v1::Envelope e;
  e.set_event_id("wdc-ack-" + std::to_string(std::hash<std::string>{}(alert.event_id())));
  e.set_child_id(alert.child_id());
  if (!anchor.household_id().empty()) e.set_household_id(anchor.household_id());
  *e.mutable_occurred_at() = ToTimestamp(at);
  *e.mutable_recorded_at() = ToTimestamp(at);
  e.mutable_actor()->set_user_id(anchor.actor().team_id() + "-tm1");
  e.mutable_actor()->set_role(v1::ROLE_TEAM_MANAGER);
  e.mutable_actor()->set_team_id(anchor.actor().team_id());
  e.set_source_agency(v1::AGENCY_CHILDRENS_SOCIAL_CARE);
  *e.mutable_refs() = anchor.refs();
  e.mutable_alert_acknowledged()->set_alert_id(alert.alert_id());
  e.mutable_alert_acknowledged()->set_note("Seen; allocating today.");
  return e;
}

// The in-memory engine's side of a simulated month (watchdog_month.h), one step at a time: the
// step's events are applied at the previous step's horizon, then the engine ticks at `t`, as the
// watchdog does. Expected alert ids go into `expected` and step kinds into `steps`; one raise or
// escalation in three is acknowledged twenty minutes later (`acks`, produced with the next step).
struct MonthExpectation {
  explicit MonthExpectation(const domain::ClockPolicy& policy,
                            const std::vector<events::v1::Envelope>& month)
      : engine(policy) {
    for (const auto& e : month) by_id[e.event_id()] = &e;
  }
  // The events of the step ending at `t` (the month's, from `next`, and last step's acks).
  std::vector<events::v1::Envelope> Step(const std::vector<events::v1::Envelope>& month,
                                         std::size_t& next, Instant previous, Instant t) {
    std::vector<events::v1::Envelope> step = std::move(acks);
    acks.clear();
    while (next < month.size() && ToInstant(month[next].occurred_at()) <= t)
      step.push_back(month[next++]);
    for (const auto& a : engine.Apply(step, previous, previous)) expected.insert(a.event_id());
    for (const auto& a : engine.Tick(t)) {
      expected.insert(a.event_id());
      ++steps[alerts::v1::Step_Name(a.step())];
      bool paged = a.step() == alerts::v1::STEP_RAISED || a.step() == alerts::v1::STEP_ESCALATED;
      if (paged && std::hash<std::string>{}(a.event_id()) % 3 == 0 &&
          by_id.count(a.anchor_event_id()))
        acks.push_back(
            MonthAcknowledgement(a, *by_id[a.anchor_event_id()], t + std::chrono::minutes(20)));
    }
    return step;
  }
  domain::AlertEngine engine;
  std::map<std::string, const events::v1::Envelope*> by_id;
  std::set<std::string> expected;
  std::map<std::string, int> steps;  // How many of each step kind were expected.
  std::vector<events::v1::Envelope> acks;
};

}  // namespace sightline::testing
