// The triage API's aggregate views: a household with its cumulative history, and the line of
// sight. Same rules as api.cc: authenticate, check access, audit, then answer.
#include <algorithm>
#include <map>
#include <set>

#include "alert_board.h"
#include "api.h"
#include "api_internal.h"
#include "api_json.h"
#include "sightline/domain/events/names.h"
#include "sightline/domain/events/validation.h"
#include "sightline/domain/projection/projection.h"
#include "store_layout.h"

namespace sightline::projector {
namespace {

namespace pv = projections::v1;
namespace au = audit::v1;
using api_internal::AuditOutcome;
using api_internal::LoadSummary;
using api_internal::StoreError;
using api_json::Answer;
using api_json::Error;
using api_json::json;
using domain::Access;

bool IsOpenStage(pv::Stage s) {
  return s != pv::STAGE_CLOSED && s != pv::STAGE_KNOWN && s != pv::STAGE_UNSPECIFIED;
}

}  // namespace

http::Response TriageApi::Household(const http::Request& req) {
  const auto held_store = d_.stores.Get();  // This request's store, even across a switch.
  const storage::Store& store = *held_store;
  static const std::string kEndpoint = "GET /v1/households/{id}";
  http::Response bad;
  auto user = Authenticate(req, kEndpoint, bad);
  if (!user) return bad;
  if (!api_json::CheckQuery(req, {}, bad)) return bad;
  const std::string& id = req.path_params.at("id");
  if (!IsWellFormedId(id)) return Error(400, "not a household id", "id");
  std::vector<std::string> members;
  Status s = store.Scan(cf::kHouseholds, id + '\0', [&](std::string_view key, std::string_view) {
    members.emplace_back(key.substr(id.size() + 1));
    return true;
  });
  if (!s.ok()) return StoreError(s);
  if (members.empty()) {
    if (!Audit(&*user, kEndpoint, "", id, au::OUTCOME_NOT_FOUND, bad)) return bad;
    return Error(404, "no such household");
  }
  Instant now = d_.clock.Now();
  Instant year_ago = now - std::chrono::days(365);
  json children = json::array();
  json totals = {{"contacts_12m", 0},
                 {"referrals_12m", 0},
                 {"re_referrals_12m", 0},
                 {"plans_ever", 0},
                 {"early_help_not_effective", 0}};
  bool any_granted = false;
  int hidden = 0;
  std::vector<std::pair<std::string, Access>> decisions;
  for (const std::string& child : members) {
    Status st;
    auto summary = LoadSummary(store, child, st);
    if (!st.ok()) return StoreError(st);
    if (!summary) continue;
    Access a = domain::CanReadChild(*user, *summary, d_.access);
    any_granted = any_granted || a == Access::kGranted;
    decisions.emplace_back(child, a);
    // A member the reader may not read is neither listed nor counted in the totals: subtracting
    // one reader's totals from another's must not reveal a hidden child's history (issue 13).
    // Only how many members are hidden is said.
    if (a != Access::kGranted) {
      ++hidden;
      continue;
    }
    json entry = {{"child_id", child},
                  {"name", summary->name()},
                  {"restricted", summary->restriction() != events::v1::RESTRICTION_UNSPECIFIED},
                  {"details_hidden", false}};
    auto bytes = store.Get(cf::kChildren, child);
    if (!bytes.ok()) return StoreError(bytes.status());
    pv::ChildRecord r;
    if (!bytes.value() || !r.ParseFromString(*bytes.value())) continue;
    // Cumulative figures count the members the reader may read.
    int contacts = 0, referrals = 0, re_referrals = 0, eh_failed = 0;
    for (const auto& t : r.contact_times()) contacts += ToInstant(t) >= year_ago;
    for (const pv::Referral& ref : r.referrals()) {
      bool recent = ToInstant(ref.at()) >= year_ago;
      referrals += recent;
      re_referrals += recent && ref.re_referral();
    }
    for (const pv::EarlyHelpEpisode& h : r.early_help())
      eh_failed += h.outcome() == events::v1::EARLY_HELP_OUTCOME_NOT_EFFECTIVE ||
                   h.outcome() == events::v1::EARLY_HELP_OUTCOME_DISENGAGED;
    totals["contacts_12m"] = totals["contacts_12m"].get<int>() + contacts;
    totals["referrals_12m"] = totals["referrals_12m"].get<int>() + referrals;
    totals["re_referrals_12m"] = totals["re_referrals_12m"].get<int>() + re_referrals;
    totals["plans_ever"] = totals["plans_ever"].get<int>() + r.plans_size();
    totals["early_help_not_effective"] = totals["early_help_not_effective"].get<int>() + eh_failed;
    {
      entry["stage"] = domain::EnumLabel(pv::Stage_Name(r.stage()), "STAGE_");
      entry["rag"] = domain::EnumLabel(events::v1::RagRating_Name(r.rag()), "RAG_RATING_");
      entry["contacts_12m"] = contacts;
      entry["referrals_12m"] = referrals;
      entry["re_referrals_12m"] = re_referrals;
      json plans = json::array(), early_help = json::array(), siblings = json::array();
      for (const auto& p : r.plans()) plans.push_back(api_json::FromProto(p));
      for (const auto& h : r.early_help()) early_help.push_back(api_json::FromProto(h));
      for (const auto& l : r.siblings()) siblings.push_back(api_json::FromProto(l));
      entry["plans"] = plans;
      entry["early_help"] = early_help;
      entry["siblings"] = siblings;
      entry["flags"] = json(std::vector<std::string>(r.flags().begin(), r.flags().end()));
      if (r.has_allocation()) entry["allocation"] = api_json::FromProto(r.allocation());
    }
    children.push_back(entry);
  }
  if (!any_granted) {
    if (!Audit(&*user, kEndpoint, "", id, au::OUTCOME_DENIED_NO_NEED_TO_KNOW, bad)) return bad;
    return Error(403, "no need to know: no child of this household is yours to see");
  }
  for (const auto& [child, a] : decisions) {
    if (a == Access::kGranted && !Audit(&*user, kEndpoint, child, id, AuditOutcome(a), bad))
      return bad;
  }
  d_.metrics.Request("household", 200);
  return Answer(200, {{"as_of", api_json::Iso(now)},
                      {"household_id", id},
                      {"children", children},
                      {"hidden_members", hidden},
                      {"totals", totals}});
}

std::optional<domain::User> TriageApi::AuthenticateLeader(const http::Request& req,
                                                          const std::string& endpoint,
                                                          const std::string& view,
                                                          http::Response& refusal) {
  auto user = Authenticate(req, endpoint, refusal);
  if (!user || !api_json::CheckQuery(req, {}, refusal)) return std::nullopt;
  if (domain::CanSeeLineOfSight(*user, d_.access)) return user;
  if (Audit(&*user, endpoint, "", "", au::OUTCOME_DENIED_NO_NEED_TO_KNOW, refusal))
    refusal = Error(403, view + " is for managers, senior leaders and auditors");
  return std::nullopt;
}

http::Response TriageApi::LineOfSight(const http::Request& req) {
  const auto held_store = d_.stores.Get();  // This request's store, even across a switch.
  const storage::Store& store = *held_store;
  static const std::string kEndpoint = "GET /v1/line-of-sight";
  http::Response bad;
  auto user = AuthenticateLeader(req, kEndpoint, "line of sight", bad);
  if (!user) return bad;
  Instant now = d_.clock.Now();
  Instant year_ago = now - std::chrono::days(365);
  std::map<std::string, int> by_stage;
  std::map<std::string, std::map<std::string, int>> by_team, by_manager, by_worker;
  std::map<std::string, int> waiting_age;  // Working days waited, bucketed.
  int awaiting = 0, overdue = 0, referrals = 0, re_referrals = 0, children = 0;
  int awaiting_in_stage = 0, awaiting_on_open_cases = 0;
  int hidden = 0, hidden_awaiting = 0, hidden_overdue = 0;
  int care_leavers = 0, unsuitable = 0, accommodation_not_known = 0;
  std::set<std::string> readable;
  // Twelve weeks, Monday to Sunday (local), the current one last.
  constexpr int kWeeks = 12;
  Instant this_week = domain::LocalMidnight(
      domain::LocalDay(now) -
      std::chrono::days((std::chrono::weekday(domain::LocalDay(now)).iso_encoding() - 1)));
  domain::Day first_week = domain::LocalDay(this_week) - std::chrono::days(7 * (kWeeks - 1));
  auto week_of = [&](Instant t) -> int {  // By local calendar day, so summer time moves nothing.
    auto days = (domain::LocalDay(t) - first_week).count();
    if (days < 0 || days >= std::int64_t{7} * kWeeks) return -1;
    return static_cast<int>(days / 7);
  };
  std::vector<int> weekly_referrals(kWeeks), weekly_re_referrals(kWeeks);
  std::vector<int> weekly_decisions(kWeeks), weekly_in_time(kWeeks), weekly_audits(kWeeks);
  std::vector<std::set<std::string>> weekly_teams_audited(kWeeks);
  std::vector<pv::QaAuditRecord> audit_rows;  // Of readable children, for QA coverage.
  std::set<std::string> teams;
  std::optional<pv::ChildSummary> oldest;
  auto failed = api_internal::ForEachSummary(store, [&](const pv::ChildSummary& c) {
    // Figures count the children the reader may read. The others (another team's, or a
    // restricted record) are one count, with how many of them wait for a decision and how many
    // of those are late, so no wait is invisible and no hidden child can be singled out by
    // team, stage or worker (issue 13).
    if (domain::CanReadChild(*user, c, d_.access) != Access::kGranted) {
      ++hidden;
      if (c.awaiting_decision_size() > 0) {
        ++hidden_awaiting;
        hidden_overdue +=
            c.has_decision_overdue_from() && now >= ToInstant(c.decision_overdue_from());
      }
      return;
    }
    ++children;
    readable.insert(c.child_id());
    for (const pv::DecisionRecord& d : c.decisions()) {
      int w = week_of(ToInstant(d.decided_at()));
      if (w < 0) continue;
      ++weekly_decisions[static_cast<std::size_t>(w)];
      weekly_in_time[static_cast<std::size_t>(w)] += d.in_time();
    }
    for (const pv::QaAuditRecord& a : c.audits()) {
      audit_rows.push_back(a);
      int w = week_of(ToInstant(a.completed_at()));
      if (w < 0) continue;
      ++weekly_audits[static_cast<std::size_t>(w)];
      if (!a.team_id().empty())
        weekly_teams_audited[static_cast<std::size_t>(w)].insert(a.team_id());
    }
    if (!c.allocation().team_id().empty()) teams.insert(c.allocation().team_id());
    if (c.stage() == pv::STAGE_CARE_LEAVER) {
      ++care_leavers;
      unsuitable += c.accommodation_suitability() == events::v1::SUITABILITY_UNSUITABLE;
      accommodation_not_known +=
          c.accommodation_suitability() == events::v1::SUITABILITY_UNSPECIFIED;
    }
    for (int i = 0; i < c.referral_times_size(); ++i) {
      int w = week_of(ToInstant(c.referral_times(i)));
      if (w < 0) continue;
      ++weekly_referrals[static_cast<std::size_t>(w)];
      weekly_re_referrals[static_cast<std::size_t>(w)] +=
          i < c.referral_is_re_referral_size() && c.referral_is_re_referral(i);
    }
    std::string stage = domain::EnumLabel(pv::Stage_Name(c.stage()), "STAGE_");
    ++by_stage[stage];
    for (int i = 0; i < c.referral_times_size(); ++i) {
      if (ToInstant(c.referral_times(i)) < year_ago) continue;
      ++referrals;
      re_referrals += i < c.referral_is_re_referral_size() && c.referral_is_re_referral(i);
    }
    bool open = IsOpenStage(c.stage());
    const auto& alloc = c.allocation();
    if (c.awaiting_decision_size() > 0) {
      ++awaiting;
      // A new contact about a child whose case is already open is awaiting a decision too, but
      // the child's stage is the case's: both figures say which (docs/api/openapi.yaml).
      if (c.stage() == pv::STAGE_AWAITING_DECISION) {
        ++awaiting_in_stage;
      } else {
        ++awaiting_on_open_cases;
      }
      bool late = c.has_decision_overdue_from() && now >= ToInstant(c.decision_overdue_from());
      overdue += late;
      int wd = d_.calendar.WorkingDaysBetween(ToInstant(c.waiting_since()), now);
      ++waiting_age[wd == 0 ? "0" : wd == 1 ? "1" : wd <= 5 ? "2-5" : wd <= 20 ? "6-20" : "21+"];
      auto& team = by_team[c.queue_team_id()];
      ++team["awaiting_decision"];
      team["decision_overdue"] += late;
      if (!oldest || ToInstant(c.waiting_since()) < ToInstant(oldest->waiting_since())) oldest = c;
    }
    if (open && !alloc.team_id().empty() && c.stage() != pv::STAGE_AWAITING_DECISION) {
      ++by_team[alloc.team_id()]["open_cases"];
      if (!alloc.manager_id().empty()) ++by_manager[alloc.manager_id()]["open_cases"];
      if (!alloc.worker_id().empty()) ++by_worker[alloc.worker_id()]["open_cases"];
      by_team[alloc.team_id()][stage] += 1;
    }
  });
  if (failed) return *failed;
  json oldest_json = nullptr;
  if (oldest) {
    oldest_json = api_json::Waiting(*oldest, d_.calendar, now);
    oldest_json["child_id"] = oldest->child_id();
    oldest_json["team_id"] = oldest->queue_team_id();
  }
  json caseload_workers = json::array(), caseload_managers = json::array();
  for (const auto& [w, m] : by_worker)
    caseload_workers.push_back({{"worker_id", w}, {"open_cases", m.at("open_cases")}});
  for (const auto& [w, m] : by_manager)
    caseload_managers.push_back({{"manager_id", w}, {"open_cases", m.at("open_cases")}});
  // From the alert board: breaches (alerts raised) per week and per team, and how long it took
  // to acknowledge them, per week and per person. Only alerts about readable children count.
  std::vector<int> weekly_raised(kWeeks), weekly_acked(kWeeks);
  std::vector<std::vector<double>> weekly_ack_minutes(kWeeks);
  std::map<std::string, std::vector<double>> ack_minutes_by_user;
  std::map<std::string, int> raised_by_team;
  if (d_.alerts != nullptr) {
    Status a = ForEachAlert(*d_.alerts, [&](const pv::AlertRow& row) {
      if (!readable.contains(row.child_id()) || !row.has_raised_at()) return;
      int w = week_of(ToInstant(row.raised_at()));
      if (w < 0) return;
      ++weekly_raised[static_cast<std::size_t>(w)];
      ++raised_by_team[row.team_id()];
      for (const pv::AlertRow::Step& step : row.history()) {
        if (step.step() != "acknowledged") continue;
        double minutes = std::chrono::duration<double, std::ratio<60>>(ToInstant(step.at()) -
                                                                       ToInstant(row.raised_at()))
                             .count();
        ++weekly_acked[static_cast<std::size_t>(w)];
        weekly_ack_minutes[static_cast<std::size_t>(w)].push_back(minutes);
        ack_minutes_by_user[step.by()].push_back(minutes);
        break;  // The first acknowledgement is the answer to the page.
      }
    });
    if (!a.ok()) return StoreError(a);
  }
  auto median = [](std::vector<double> v) -> json {
    if (v.empty()) return nullptr;
    std::sort(v.begin(), v.end());
    return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
  };
  json weeks = json::array(), medians = json::array(), in_time_pct = json::array(),
       teams_audited = json::array();
  for (int w = 0; w < kWeeks; ++w) {
    auto i = static_cast<std::size_t>(w);
    weeks.push_back(domain::FormatDay(first_week + std::chrono::days(7 * w)));
    medians.push_back(median(weekly_ack_minutes[i]));
    in_time_pct.push_back(weekly_decisions[i] == 0
                              ? json(nullptr)
                              : json(100.0 * weekly_in_time[i] / weekly_decisions[i]));
    teams_audited.push_back(weekly_teams_audited[i].size());
  }
  std::vector<api_internal::ReadableAudit> readable_audits;
  readable_audits.reserve(audit_rows.size());
  for (const pv::QaAuditRecord& a : audit_rows) readable_audits.push_back({&a, ""});
  json by_user = json::array();
  for (const auto& [who, minutes] : ack_minutes_by_user)
    by_user.push_back(
        {{"user_id", who}, {"acknowledged", minutes.size()}, {"median_minutes", median(minutes)}});
  if (!Audit(&*user, kEndpoint, "", "", au::OUTCOME_GRANTED, bad)) return bad;
  d_.metrics.Request("line_of_sight", 200);
  return Answer(
      200, {{"as_of", api_json::Iso(now)},
            {"children", children},
            {"by_stage", by_stage},
            {"awaiting_decision",
             {{"count", awaiting},
              {"in_stage", awaiting_in_stage},
              {"on_open_cases", awaiting_on_open_cases},
              {"overdue", overdue},
              {"working_days_waited", waiting_age},
              {"oldest", oldest_json}}},
            {"referrals_12m",
             {{"count", referrals},
              {"re_referrals", re_referrals},
              {"re_referral_rate", referrals ? double(re_referrals) / referrals : 0.0}}},
            {"by_team", by_team},
            {"caseload_by_worker", caseload_workers},
            {"caseload_by_manager", caseload_managers},
            {"care_leavers",
             {{"count", care_leavers},
              {"unsuitable_accommodation", unsuitable},
              {"accommodation_not_known", accommodation_not_known}}},
            {"weekly",
             {{"week_starting", weeks},
              {"referrals", weekly_referrals},
              {"re_referrals", weekly_re_referrals},
              {"alerts_raised", weekly_raised},
              {"alerts_acknowledged", weekly_acked},
              {"median_minutes_to_acknowledge", medians},
              {"decisions", weekly_decisions},
              {"decisions_in_time", weekly_in_time},
              {"decisions_in_time_pct", in_time_pct},
              {"qa_audits", weekly_audits},
              {"qa_teams_audited", teams_audited}}},
            {"qa_coverage", api_internal::QaCoverage(readable_audits, teams, d_.calendar, now)},
            {"alerts_raised_12w_by_team", raised_by_team},
            {"acknowledgements_by_user", by_user},
            {"hidden",
             {{"children", hidden},
              {"awaiting_decision", hidden_awaiting},
              {"decision_overdue", hidden_overdue}}}});
}

}  // namespace sightline::projector
