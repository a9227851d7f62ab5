// A simulated month against the in-memory engine, for the tests that run real watchdogs through
// it (the crash test, the failover test): what the engine expects, step by step, and the alerts
// topic compared with it.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <iostream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "sightline/domain/clocks/clocks.h"
#include "watchdog_harness.h"
#include "watchdog_month.h"

namespace sightline::testing {

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

// The alerts topic against the expected ids, after the documented dedup rule (collapse by
// event_id, ADR 0005): none missing, none unexpected, and each duplicate on the wire the same
// record as the first (emitted_at aside, as alerts.proto allows). Returns the duplicates.
inline int ExpectAlertIds(const std::string& brokers, const std::string& alerts,
                          const std::set<std::string>& expected, const std::string& label) {
  std::map<std::string, std::string> first;
  int duplicates = 0;
  for (auto a : ReadAlerts(brokers, alerts)) {
    a.clear_emitted_at();
    auto [it, fresh] = first.emplace(a.event_id(), a.SerializeAsString());
    if (!fresh) {
      ++duplicates;
      EXPECT_EQ(it->second, a.SerializeAsString()) << "duplicate " << a.event_id() << " differs";
    }
  }
  std::set<std::string> got;
  for (const auto& [id, _] : first) got.insert(id);
  std::vector<std::string> missing, extra;
  std::set_difference(expected.begin(), expected.end(), got.begin(), got.end(),
                      std::back_inserter(missing));
  std::set_difference(got.begin(), got.end(), expected.begin(), expected.end(),
                      std::back_inserter(extra));
  std::cout << "[ " << label << " ] " << expected.size() << " alert events expected, " << got.size()
            << " distinct on the topic, " << missing.size() << " missing, " << duplicates
            << " duplicates on the wire\n";
  EXPECT_TRUE(missing.empty()) << missing.size() << " missing, first " << missing.front();
  EXPECT_TRUE(extra.empty()) << extra.size() << " unexpected, first " << extra.front();
  return duplicates;
}

}  // namespace sightline::testing
