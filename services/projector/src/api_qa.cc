// Quality assurance for auditors and leaders (ADR 0013): the audits of the children the reader
// may read, with their grades and themes, and QA coverage by service area and by team, measured
// as the watchdog's rules measure it (qa-area-age, qa-team-month in deploy/watchdog-policy.yaml).
#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "api.h"
#include "api_internal.h"
#include "api_json.h"
#include "sightline/domain/clocks/subjects.h"
#include "store_layout.h"

namespace sightline::projector {
namespace {

namespace pv = projections::v1;
namespace v1 = events::v1;
namespace au = audit::v1;
using api_json::Answer;
using api_json::json;

constexpr int kAuditsListed = 500;
constexpr int kAreaMonths = 3;  // The default policy's qa-area-age.

// An enum value as the API's keys spell it: "AUDIT_GRADE_REQUIRES_IMPROVEMENT" ->
// "requires_improvement".
std::string Key(const std::string& name, std::string_view prefix) {
  std::string out = name.substr(name.starts_with(prefix) ? prefix.size() : 0);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

}  // namespace

json api_internal::QaCoverage(const std::vector<ReadableAudit>& audits,
                              const std::set<std::string>& teams, const domain::Calendar& calendar,
                              Instant now) {
  std::map<int, std::optional<Instant>> area_last;
  std::map<int, int> area_12w;
  std::map<std::string, std::optional<Instant>> team_last;
  std::map<std::string, std::pair<int, int>> team_months;  // This month, last month.
  for (const std::string& t : teams) team_last[t];
  Instant twelve_weeks_ago = now - std::chrono::days(84);
  Instant this_month = domain::MonthStart(now, 0), last_month = domain::MonthStart(now, -1);
  for (const ReadableAudit& r : audits) {
    Instant at = ToInstant(r.audit->completed_at());
    auto& last = area_last[r.audit->area()];
    if (!last || *last < at) last = at;
    area_12w[r.audit->area()] += at >= twelve_weeks_ago;
    if (r.audit->team_id().empty()) continue;
    auto& t = team_last[r.audit->team_id()];
    if (!t || *t < at) t = at;
    auto& months = team_months[r.audit->team_id()];
    months.first += at >= this_month;
    months.second += at >= last_month && at < this_month;
  }
  json areas = json::array();
  for (int a = v1::ServiceArea_MIN + 1; a <= v1::ServiceArea_MAX; ++a) {
    if (!v1::ServiceArea_IsValid(a)) continue;
    const auto& last = area_last[a];
    bool overdue = !last || now >= calendar.OverdueFromMonths(*last, kAreaMonths);
    areas.push_back({{"area", domain::AreaName(static_cast<v1::ServiceArea>(a))},
                     {"last_audit", last ? json(api_json::Iso(*last)) : json(nullptr)},
                     {"audits_12w", area_12w[a]},
                     {"older_than_3_months", overdue}});
  }
  json team_rows = json::array();
  for (const auto& [team, last] : team_last) {
    const auto& months = team_months[team];
    team_rows.push_back({{"team_id", team},
                         {"last_audit", last ? json(api_json::Iso(*last)) : json(nullptr)},
                         {"audits_this_month", months.first},
                         {"audits_last_month", months.second}});
  }
  return {{"areas", areas}, {"teams", team_rows}};
}

http::Response TriageApi::QualityAssurance(const http::Request& req) {
  const auto held_store = d_.stores.Get();  // This request's store, even across a switch.
  const storage::Store& store = *held_store;
  static const std::string kEndpoint = "GET /v1/qa";
  http::Response bad;
  auto user = AuthenticateLeader(req, kEndpoint, "quality assurance", bad);
  if (!user) return bad;
  Instant now = d_.clock.Now();
  std::vector<pv::ChildSummary> summaries;
  std::set<std::string> teams;
  int hidden = 0;
  auto failed = api_internal::ForEachSummary(store, [&](pv::ChildSummary& c) {
    if (domain::CanReadChild(*user, c, d_.access) != domain::Access::kGranted) {
      hidden += c.audits_size();
      return;
    }
    if (!c.allocation().team_id().empty()) teams.insert(c.allocation().team_id());
    if (c.audits_size() > 0) summaries.push_back(std::move(c));
  });
  if (failed) return *failed;
  std::vector<api_internal::ReadableAudit> audits;
  for (const pv::ChildSummary& c : summaries)
    for (const pv::QaAuditRecord& a : c.audits()) audits.push_back({&a, c.child_id()});
  std::sort(audits.begin(), audits.end(), [](const auto& x, const auto& y) {
    return ToInstant(x.audit->completed_at()) > ToInstant(y.audit->completed_at());
  });
  Instant year_ago = now - std::chrono::days(365);
  std::map<std::string, int> by_grade, by_theme;
  json listed = json::array();
  std::vector<std::string> shown;
  for (const auto& r : audits) {
    if (ToInstant(r.audit->completed_at()) >= year_ago) {
      ++by_grade[Key(v1::AuditGrade_Name(r.audit->grade()), "AUDIT_GRADE_")];
      for (int t : r.audit->themes())
        ++by_theme[Key(v1::AuditTheme_Name(static_cast<v1::AuditTheme>(t)), "AUDIT_THEME_")];
    }
    if (listed.size() >= kAuditsListed) continue;
    json j = api_json::FromProto(*r.audit);
    j["child_id"] = r.child_id;
    listed.push_back(std::move(j));
    shown.push_back(r.child_id);
  }
  if (!Audit(&*user, kEndpoint, "", "", au::OUTCOME_GRANTED, bad, {.shown = shown})) return bad;
  d_.metrics.Request("qa", 200);
  return Answer(200, {{"as_of", api_json::Iso(now)},
                      {"audits", listed},
                      {"audits_total", audits.size()},
                      {"by_grade_12m", by_grade},
                      {"by_theme_12m", by_theme},
                      {"coverage", api_internal::QaCoverage(audits, teams, d_.calendar, now)},
                      {"hidden_audits", hidden}});
}

}  // namespace sightline::projector
