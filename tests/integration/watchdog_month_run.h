// The alerts topic of real watchdogs run through the simulated month (the crash test, the
// failover test), compared with what the in-memory engine expects (MonthExpectation).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <iostream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "watchdog_harness.h"
#include "watchdog_month.h"

namespace sightline::testing {

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
