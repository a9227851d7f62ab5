#include "sightline/domain/clocks/paging.h"

#include <algorithm>
#include <set>
#include <sstream>
#include <tuple>

namespace sightline::domain {
namespace {

namespace av = alerts::v1;

bool IsPage(av::Step s) {
  return s == av::STEP_RAISED || s == av::STEP_ESCALATED || s == av::STEP_ACK_EXPIRED;
}

// The out-of-hours period an instant belongs to, named by the local day it began: 17:00 on D to
// 09:00 on D+1 is D's night (twelve hours back lands on D), and a weekend day counts with the
// night before it.
Day NightOf(Instant t) { return LocalDay(t - std::chrono::hours(12)); }

}  // namespace

PagingReport CountPages(const ClockPolicy& policy, const std::vector<av::AlertEvent>& steps,
                        Instant from, Instant until) {
  PagingReport report;
  std::map<std::string, bool> urgent_rule;
  for (const Rule& r : policy.rules) urgent_rule[r.id] = r.urgent;
  std::set<std::tuple<std::string, std::string, std::int64_t>> digests;  // team, role, minute
  std::map<std::string, std::map<Day, int>> per_night;
  for (const av::AlertEvent& s : steps) {
    if (!IsPage(s.step())) continue;
    Instant at = ToInstant(s.at());
    if (at < from || at >= until) continue;
    bool in_hours = policy.InHours(at, s.team_id());
    bool urgent = urgent_rule[s.rule_id()];
    if (!in_hours && !urgent) ++report.non_urgent_out_of_hours;
    std::vector<std::string> roles(s.paged_roles().begin(), s.paged_roles().end());
    if (roles.empty()) roles.push_back(s.level_role());
    for (const std::string& role : roles) {
      if (!urgent) {
        auto minute = std::chrono::duration_cast<std::chrono::minutes>(at.time_since_epoch());
        if (!digests.insert({s.team_id(), role, minute.count()}).second) continue;
      }
      RolePages& r = report.roles[role];
      ++r.total;
      if (urgent) ++r.urgent;
      if (in_hours) {
        ++r.in_hours;
      } else {
        ++r.out_of_hours;
        ++per_night[role][NightOf(at)];
      }
    }
  }
  for (auto& [role, nights] : per_night) {
    RolePages& r = report.roles[role];
    r.nights = static_cast<int>(nights.size());
    for (const auto& [night, n] : nights) r.most_in_a_night = std::max(r.most_in_a_night, n);
  }
  auto minutes = std::chrono::duration_cast<std::chrono::minutes>(until - from).count();
  report.weeks = std::max(1.0, static_cast<double>(minutes)) / (7 * 24 * 60);
  return report;
}

std::string FormatPagingReport(const PagingReport& report) {
  std::ostringstream out;
  char line[160];
  std::snprintf(line, sizeof line, "  %-22s %6s %9s %13s %7s %7s %11s %9s\n", "role", "pages",
                "in hours", "out of hours", "urgent", "nights", "most/night", "per week");
  out << line;
  for (const auto& [role, r] : report.roles) {
    std::snprintf(line, sizeof line, "  %-22s %6d %9d %13d %7d %7d %11d %9.1f\n", role.c_str(),
                  r.total, r.in_hours, r.out_of_hours, r.urgent, r.nights, r.most_in_a_night,
                  r.total / report.weeks);
    out << line;
  }
  out << "  paging steps from rules that are not urgent, out of hours: "
      << report.non_urgent_out_of_hours << "\n";
  return out.str();
}

ClockPolicy RoundTheClock(ClockPolicy policy) {
  for (Rule& r : policy.rules) r.urgent = true;
  for (Ladder& l : policy.ladders) {
    for (Level& level : l.levels) {
      level.out_of_hours.clear();
      level.urgent_only = false;
    }
  }
  return policy;
}

}  // namespace sightline::domain
