// The triage API's alert board (issue 14): the alerts panel and acknowledging from the screen.
#include <algorithm>
#include <map>

#include "alert_board.h"
#include "api.h"
#include "api_internal.h"
#include "api_json.h"
#include "sightline/crypto/digest.h"
#include "sightline/domain/events/codec.h"
#include "sightline/domain/projection/alert_board.h"

namespace sightline::projector {
namespace {

namespace pv = projections::v1;
namespace au = audit::v1;
namespace v1 = events::v1;
using api_internal::LoadSummary;
using api_internal::StoreError;
using api_json::Answer;
using api_json::Error;
using api_json::json;
using domain::Access;

std::string StateWord(pv::AlertRow::State s) {
  switch (s) {
    case pv::AlertRow::STATE_OPEN:
      return "open";
    case pv::AlertRow::STATE_ACKNOWLEDGED:
      return "acknowledged";
    case pv::AlertRow::STATE_RESOLVED:
      return "resolved";
    case pv::AlertRow::STATE_CANCELLED:
      return "cancelled";
    default:
      return "unknown";
  }
}

}  // namespace

json api_internal::AlertJson(const pv::AlertRow& row, const domain::Calendar& calendar,
                             Instant now) {
  json j = api_json::FromProto(row);
  j["state"] = StateWord(row.state());
  j["overdue_working_days"] = calendar.WorkingDaysBetween(ToInstant(row.due_at()), now);
  return j;
}

http::Response TriageApi::Alerts(const http::Request& req) {
  const auto held_store = d_.stores.Get();  // This request's store, even across a switch.
  const storage::Store& store = *held_store;
  static const std::string kEndpoint = "GET /v1/alerts";
  http::Response bad;
  auto user = Authenticate(req, kEndpoint, bad);
  if (!user) return bad;
  auto q = api_json::CheckQuery(req, {"team", "rule", "level"}, bad);
  if (!q) return bad;
  if (d_.alerts == nullptr) return Error(503, "the alert board is not configured");
  auto rows = LiveAlerts(*d_.alerts);
  if (!rows.ok()) return StoreError(rows.status());
  auto want = [&](const char* key) -> std::optional<std::string> {
    auto it = q->find(key);
    return it == q->end() ? std::nullopt : std::optional<std::string>(it->second);
  };
  std::optional<std::string> team = want("team"), rule = want("rule"), level = want("level");
  if (level && (level->size() != 1 || (*level)[0] < '1' || (*level)[0] > '9'))
    return Error(400, "a ladder level, 1 to 9", "level");
  // Each shown alert with its child's name, read once with the access check.
  std::vector<std::pair<pv::AlertRow, std::string>> shown_rows;
  int hidden = 0;
  for (pv::AlertRow& row : rows.value()) {
    // Need to know, as for the record: an alert about a child the caller may not read is one
    // number, never its rule, team or child. A team's or area's names no child (ADR 0013).
    bool visible = false;
    std::string name;
    if (row.child_id().empty()) {
      visible = domain::CanSeeAlertAboutNoChild(*user, row.team_id(), d_.access);
    } else {
      Status status;
      auto summary = LoadSummary(store, row.child_id(), status);
      if (!status.ok()) return StoreError(status);
      visible = summary && domain::CanReadChild(*user, *summary, d_.access) == Access::kGranted;
      if (visible) name = summary->name();
    }
    if (!visible) {
      ++hidden;
      continue;
    }
    if (team && row.team_id() != *team) continue;
    if (rule && row.rule_id() != *rule) continue;
    if (level && std::to_string(row.level()) != *level) continue;
    shown_rows.emplace_back(std::move(row), std::move(name));
  }
  std::stable_sort(shown_rows.begin(), shown_rows.end(), [](const auto& a, const auto& b) {
    return ToInstant(a.first.due_at()) < ToInstant(b.first.due_at());
  });
  Instant now = d_.clock.Now();
  json alerts = json::array();
  std::vector<std::string> shown;
  std::map<std::string, std::map<std::string, int>> by_rule_level;
  for (const auto& [row, name] : shown_rows) {
    json j = api_internal::AlertJson(row, d_.calendar, now);
    j.erase("history");
    j["child_name"] = name;
    alerts.push_back(std::move(j));
    if (!row.child_id().empty()) shown.push_back(row.child_id());
    ++by_rule_level[row.rule_id()]["L" + std::to_string(row.level())];
  }
  if (!Audit(&*user, kEndpoint, "", "", au::OUTCOME_GRANTED, bad, {.shown = shown})) return bad;
  d_.metrics.Request("alerts", 200);
  return Answer(200, {{"as_of", api_json::Iso(now)},
                      {"alerts", alerts},
                      {"by_rule_level", by_rule_level},
                      {"hidden", hidden}});
}

http::Response TriageApi::Acknowledge(const http::Request& req) {
  const auto held_store = d_.stores.Get();  // This request's store, even across a switch.
  const storage::Store& store = *held_store;
  static const std::string kEndpoint = "POST /v1/acknowledgements";
  http::Response bad;
  auto user = Authenticate(req, kEndpoint, bad);
  if (!user) return bad;
  if (!api_json::CheckQuery(req, {}, bad)) return bad;
  if (d_.alerts == nullptr) return Error(503, "the alert board is not configured");
  auto checked =
      api_json::CheckObjectBody(req, {"alert_id", "note"}, "a JSON object {alert_id, note}", bad);
  if (!checked) return bad;
  json body = std::move(*checked);
  if (!body.contains("alert_id") || !body["alert_id"].is_string())
    return Error(400, "required: the alert id (<rule>/<child>/<event>/L<level>)", "alert_id");
  std::string alert_id = body["alert_id"].get<std::string>();
  std::string note = body.value("note", json("")).is_string() ? body.value("note", "") : "";
  if (body.contains("note") && !body["note"].is_string())
    return Error(400, "a string of at most 1000 characters", "note");
  if (note.size() > 1000) return Error(400, "a string of at most 1000 characters", "note");
  auto level_at = alert_id.rfind("/L");
  if (alert_id.size() > 400 || level_at == std::string::npos || level_at == 0)
    return Error(400, "not an alert id (<rule>/<child>/<event>/L<level>)", "alert_id");
  auto row = AlertOfClock(*d_.alerts, alert_id.substr(0, level_at));
  if (!row.ok()) return StoreError(row.status());
  if (!row.value()) return Error(404, "no such alert");
  if (!d_.write_event) {
    return Error(403,
                 "this projector does not write acknowledgements (gateway.url is not set): "
                 "send alert_acknowledged to the gateway");
  }
  Access access = Access::kNoNeedToKnow;
  if (row.value()->child_id().empty()) {  // A team's or service area's (ADR 0013).
    if (domain::CanSeeAlertAboutNoChild(*user, row.value()->team_id(), d_.access))
      access = Access::kGranted;
  } else {
    Status status;
    auto summary = LoadSummary(store, row.value()->child_id(), status);
    if (!status.ok()) return StoreError(status);
    if (summary) access = domain::CanReadChild(*user, *summary, d_.access);
  }
  if (!Audit(&*user, kEndpoint, row.value()->child_id(), "", api_internal::AuditOutcome(access),
             bad, {.detail = "acknowledge " + alert_id}))
    return bad;
  if (access != Access::kGranted) return Error(403, "no need to know: not your team or case");
  if (!domain::IsLive(*row.value()))
    return Error(409,
                 "this alert is " + StateWord(row.value()->state()) + ": nothing to acknowledge");
  if (row.value()->alert_id() != alert_id)
    return Error(409,
                 "the alert is now at level " + std::to_string(row.value()->level()) +
                     ": acknowledge " + row.value()->alert_id(),
                 "alert_id");
  Instant now = d_.clock.Now();
  v1::Envelope e;
  e.set_event_id(
      "screen-ack-" +
      crypto::Sha256Hex(alert_id + "\n" + user->id + "\n" + FormatIso(now)).substr(0, 24));
  e.set_child_id(row.value()->child_id());
  *e.mutable_occurred_at() = ToTimestamp(now);
  e.mutable_actor()->set_user_id(user->id);
  e.mutable_actor()->set_role(domain::RecordedRole(user->role));
  e.mutable_actor()->set_team_id(user->team_id);
  e.set_source_agency(v1::AGENCY_CHILDRENS_SOCIAL_CARE);
  e.mutable_alert_acknowledged()->set_alert_id(alert_id);
  e.mutable_alert_acknowledged()->set_note(note);
  auto authorization = req.headers.find("authorization");
  // The answer waits for the gateway on a thread of the write pool, not on this request thread
  // (call_pool.h): a slow gateway must not stop reads being answered.
  return AnswerOnPool(
      *writes_, Answer(202, {{"alert_id", alert_id}, {"event_id", e.event_id()}, {"by", user->id}}),
      [this, caller = authorization == req.headers.end() ? "" : authorization->second,
       event = domain::EventToJson(e)](const http::Completion& done) {
        auto written = d_.write_event(caller, event);
        if (!written.ok()) {
          done(Error(503, "the gateway did not answer: " + written.status().message()));
          return;
        }
        d_.metrics.Request("acknowledge", written.value().status);
        if (written.value().status == 202) {
          done(std::nullopt);
          return;
        }
        http::Response r;  // The gateway's own refusal, passed on as it is.
        r.status = written.value().status;
        r.headers["Content-Type"] = "application/json";
        r.body = written.value().body;
        done(std::move(r));
      },
      api_json::Busy("too many acknowledgements are waiting for the gateway; retry shortly", 1));
}

}  // namespace sightline::projector
