#include "api.h"

#include <nlohmann/json.hpp>

#include "sightline/core/ids.h"

namespace sightline::watchdog_service {
namespace {

using nlohmann::json;
namespace wv = watchdog::v1;

json DeadlineJson(const wv::Deadline& d) {
  return {{"clock_id", d.clock_id()},
          {"child_id", d.child_id()},
          {"rule_id", d.rule_id()},
          {"anchor_event_id", d.anchor_event_id()},
          {"team_id", d.team_id()},
          {"started_at", FormatIsoOrEmpty(d.started_at())},
          {"due_at", FormatIsoOrEmpty(d.due_at())},
          {"next_wake", d.has_next_wake() ? FormatIsoOrEmpty(d.next_wake()) : ""},
          {"raised", d.raised()},
          {"level", d.level()},
          {"acknowledged", d.acknowledged()},
          {"acknowledged_by", d.acknowledged_by()}};
}

constexpr std::size_t kAlertsPage = 1000;

http::Response Json(int status, const json& body) {
  http::Response r;
  r.status = status;
  r.body = body.dump() + "\n";
  return r;
}

json StatusJson(const consumer::Shell& shell, const WatchdogHandler& handler) {
  json body = consumer::ToJson(shell.Snapshot());
  TickStatus t = handler.Snapshot();
  body["clock_now"] = t.clock_now == Instant{} ? "" : FormatIso(t.clock_now);
  body["horizon"] = t.horizon ? FormatIso(*t.horizon) : "";
  body["horizon_unix"] = t.horizon ? UnixSeconds(*t.horizon) : 0;
  body["outbox_pending"] = t.outbox_pending;
  body["lease"] = t.lease;
  body["takeovers"] = t.takeovers;
  return body;
}

}  // namespace

void RegisterApi(http::Server& server, const consumer::Shell& shell, const WatchdogHandler& handler,
                 WatchdogState& state, audit_log::AuditedDoor& door) {
  server.Get(
      "/healthz",
      [](const http::Request&) {
        return Json(200, {{"status", "ok"}});
      },
      http::Dispatch::kInline);
  server.Get(
      "/readyz",
      [&shell, &handler](const http::Request&) {
        json body = StatusJson(shell, handler);
        return Json(body["ready"].get<bool>() ? 200 : 503, body);
      },
      http::Dispatch::kInline);
  server.Get("/v1/status", door.Guard("GET /v1/status", [&shell, &handler](const http::Request&) {
    return Json(200, StatusJson(shell, handler));
  }));
  // The open alerts, longest overdue first, from their own index (never a scan of every clock);
  // at most kAlertsPage, and `truncated` says when there are more.
  server.Get("/v1/alerts", door.Guard("GET /v1/alerts", [&state](const http::Request&) {
    bool more = false;
    auto open = state.OpenAlerts(kAlertsPage, more);
    if (!open.ok()) return Json(503, {{"error", open.status().message()}});
    json alerts = json::array();
    for (const wv::Deadline& d : open.value()) alerts.push_back(DeadlineJson(d));
    return Json(200, {{"alerts", alerts}, {"truncated", more}});
  }));
  server.Get("/v1/children/:id/clocks",
             door.Guard("GET /v1/children/{id}/clocks", [&state](const http::Request& req) {
               const std::string& child = req.path_params.at("id");
               if (!IsWellFormedId(child))
                 return Json(400, {{"error", "id: not a well-formed child id"}});
               auto open = state.ClocksOf(child);
               if (!open.ok()) return Json(503, {{"error", open.status().message()}});
               json clocks = json::array();
               for (const wv::Deadline& d : open.value()) clocks.push_back(DeadlineJson(d));
               return Json(200, {{"child_id", child}, {"clocks", clocks}});
             }));
}

}  // namespace sightline::watchdog_service
