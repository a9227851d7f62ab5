// How many pages an alert stream means for people (docs/adr/0010-paging.md): what
// `sightlinectl policy backtest` reports per role, in hours and at night, so a policy change can
// be judged by the nights it costs before it ships.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "sightline/alerts/v1/alerts.pb.h"
#include "sightline/domain/clocks/policy.h"

namespace sightline::domain {

// A page is a step that tells someone to act: raised, escalated, or re-surfaced after an
// acknowledgement lapsed. Each role it pages counts once; steps of rules that are not urgent
// for one team and role at the same minute arrive together (Alertmanager groups them by team,
// urgency and role) and count as one page: the morning digest.
struct RolePages {
  int total = 0;
  int in_hours = 0;
  int out_of_hours = 0;  // Outside the team's business hours, weekends and bank holidays.
  int urgent = 0;        // Pages from rules the policy calls urgent.
  int nights = 0;        // Out-of-hours periods with at least one page.
  int most_in_a_night = 0;
};

struct PagingReport {
  std::map<std::string, RolePages> roles;  // By role or rota id.
  double weeks = 1;                        // The span counted, in weeks (for "per week").
  int non_urgent_out_of_hours = 0;         // Must be 0 under a policy with urgency.
};

// Urgency and business hours are `policy`'s (so a stream made under another policy, such as
// RoundTheClock's, is judged by this one's idea of what is urgent).
// Only steps in [from, until) count; weeks is that span in weeks.
PagingReport CountPages(const ClockPolicy& policy, const std::vector<alerts::v1::AlertEvent>& steps,
                        Instant from, Instant until);

// The report as a table, one row per role: pages, in hours, out of hours, from urgent rules,
// nights paged, most in one night, per week.
std::string FormatPagingReport(const PagingReport& report);

// The policy as if every rule paged around the clock in calendar time, to the day ladder, up to
// the top: how Sightline paged before rules had an urgency (the "before" of issue 14).
ClockPolicy RoundTheClock(ClockPolicy policy);

}  // namespace sightline::domain
