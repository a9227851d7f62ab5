// A seeded generator of realistic front-door traffic for one county, used by the demo, the tests
// and the benchmarks (`sightlinectl simulate`). Same parameters, same events, byte for byte.
//
// What it models (proportions are plausible, not statistics): contacts from police, schools,
// health, individuals and anonymous callers, mostly in office hours; households of one to four
// children, linked as siblings, some of which come back (repeat referrals); RAG ratings with the
// occasional manager override; partner checks; decisions, most within the working day but some
// children waiting far too long; s17 assessments, s47 strategy discussions and enquiries,
// conferences, CP and CIN plans with visits (and the odd refusal to let the child be seen alone);
// early help that works, fails or is abandoned; care leavers, some in unsuitable accommodation.
// Every story is cut at the end of the period, so the last days hold children still waiting.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "sightline/core/checked.h"
#include "sightline/events/v1/envelope.pb.h"

namespace sightline::domain {

struct SimulationParams {
  std::uint64_t seed = 1;
  std::chrono::sys_days start_day{std::chrono::November / 2 / 2026};
  int days = 1;
  int contacts_per_day = 100;     // A large county: tens of thousands of contacts a year.
  int teams = 4;                  // Assessment teams that receive allocations.
  int care_leavers = 40;          // Care leavers already open at the start.
  std::string id_prefix = "sim";  // Prefix of every id, so runs with other seeds never collide.
  std::string la_code = "886";    // The DfE LA number in the children's UPNs (three digits).
};

// Field errors when a parameter is out of range (days 1..3660, contacts 1..20000, ...).
FieldErrors ValidateSimulationParams(const SimulationParams& params);

// Events ordered by recorded_at (the order a gateway would see them), then event_id.
std::vector<events::v1::Envelope> Simulate(const SimulationParams& params);

}  // namespace sightline::domain
