#include "api.h"

#include <nlohmann/json.hpp>

namespace sightline::notifier_service {
namespace {

using nlohmann::json;

http::Response Json(int status, const json& body) {
  return http::Response{.status = status,
                        .content_type = "application/json",
                        .body = body.dump() + "\n",
                        .headers = {}};
}

json StatusJson(const ApiDeps& d) {
  Instant now = d.clock.Now();
  json body = consumer::ToJson(d.shell.Snapshot());
  json receivers = json::array();
  auto statuses = d.deliverer.Snapshot();
  for (const ReceiverConfig& r : d.config.receivers) {
    const ReceiverStatus& st = statuses[r.name];
    const Backlog& backlog = st.backlog;
    receivers.push_back(
        {{"name", r.name},
         {"kind", r.kind == ReceiverKind::kWebhook ? "webhook" : "alertmanager"},
         {"waiting", backlog.rows},
         {"oldest_waiting_seconds",
          backlog.oldest ? std::chrono::duration<double>(now - *backlog.oldest).count() : 0.0},
         {"consecutive_failures", st.failures},
         {"circuit", d.deliverer.CircuitOpen(st) ? "open" : "closed"},
         {"last_error", st.last_error},
         {"delivered", st.delivered}});
  }
  HeartbeatStatus beat = d.heartbeat.Snapshot();
  body["receivers"] = receivers;
  body["heartbeat"] = {{"last_at", beat.last_beat ? FormatIso(*beat.last_beat) : ""},
                       {"missing", beat.missing},
                       {"watched", beat.watched}};
  body["consuming_paused"] = d.handler.Paused();
  body["lease"] = d.handler.LeaseState();
  body["takeovers"] = d.handler.Takeovers();
  return body;
}

}  // namespace

void RegisterApi(http::Server& server, const ApiDeps& deps) {
  server.Get(
      "/healthz",
      [](const http::Request&) {
        return Json(200, {{"status", "alive"}});
      },
      http::Dispatch::kInline);
  server.Get(
      "/readyz",
      [deps](const http::Request&) {
        consumer::ShellStatus s = deps.shell.Snapshot();
        return Json(s.Ready() ? 200 : 503, consumer::ToJson(s));
      },
      http::Dispatch::kInline);
  server.Get("/v1/status", deps.door.Guard("GET /v1/status", [deps](const http::Request&) {
    return Json(200, StatusJson(deps));
  }));
}

}  // namespace sightline::notifier_service
