// POST and GET /v1/admin/rebuild: rebuilding the projection while the service serves (ADR 0016).
#include "api.h"
#include "api_json.h"

namespace sightline::projector {
namespace {

namespace au = audit::v1;
using api_json::Answer;
using api_json::Error;
using api_json::json;

json ProgressJson(const RebuildProgress& p) {
  json j = {{"phase", p.phase},
            {"requested_by", p.requested_by},
            {"events_applied", p.events_applied},
            {"children_folded", p.children_folded},
            {"behind", p.behind},
            {"store", p.store},
            {"switches", p.switches}};
  if (p.started_at) j["started_at"] = api_json::Iso(*p.started_at);
  if (p.finished_at) j["finished_at"] = api_json::Iso(*p.finished_at);
  if (!p.error.empty()) j["error"] = p.error;
  return j;
}

}  // namespace

std::optional<domain::User> TriageApi::AuthenticateRebuilder(const http::Request& req,
                                                             const std::string& endpoint,
                                                             http::Response& refusal) {
  auto user = Authenticate(req, endpoint, refusal);
  if (!user) return std::nullopt;
  if (!api_json::CheckQuery(req, {}, refusal)) return std::nullopt;
  if (!d_.rebuild_roles.contains(user->role)) {
    refusal = Error(403, "rebuilding the projection is for " + RebuildRoles());
    http::Response audit_failed;
    if (!Audit(&*user, endpoint, "", "", au::OUTCOME_DENIED_NO_NEED_TO_KNOW, audit_failed))
      refusal = audit_failed;
    return std::nullopt;
  }
  return user;
}

std::string TriageApi::RebuildRoles() const {
  std::string out;
  for (domain::UserRole r : d_.rebuild_roles) {
    if (!out.empty()) out += ", ";
    out += domain::RoleName(r);
  }
  return out.empty() ? "nobody (access.rebuild_roles is empty)" : out;
}

http::Response TriageApi::StartRebuild(const http::Request& req) {
  static const std::string kEndpoint = "POST /v1/admin/rebuild";
  http::Response bad;
  auto user = AuthenticateRebuilder(req, kEndpoint, bad);
  if (!user) return bad;
  if (!req.body.empty()) {
    json body = json::parse(req.body, nullptr, false);
    if (!body.is_object() || !body.empty()) return Error(400, "no body, or {}", "body");
  }
  if (d_.rebuild == nullptr) return Error(501, "this projector does not rebuild while serving");
  if (!Audit(&*user, kEndpoint, "", "", au::OUTCOME_GRANTED, bad,
             {.detail = "rebuild the projection"}))
    return bad;
  Status s = d_.rebuild->Start(user->id);
  d_.metrics.Request("rebuild", s.ok() ? 202 : 409);
  if (s.code() == StatusCode::kInvalidArgument) return Error(409, s.message());
  if (!s.ok()) return Error(503, s.message());
  return Answer(202, ProgressJson(d_.rebuild->Progress()));
}

http::Response TriageApi::RebuildStatus(const http::Request& req) {
  static const std::string kEndpoint = "GET /v1/admin/rebuild";
  http::Response bad;
  auto user = AuthenticateRebuilder(req, kEndpoint, bad);
  if (!user) return bad;
  if (d_.rebuild == nullptr) return Error(501, "this projector does not rebuild while serving");
  if (!Audit(&*user, kEndpoint, "", "", au::OUTCOME_GRANTED, bad)) return bad;
  d_.metrics.Request("rebuild", 200);
  return Answer(200, ProgressJson(d_.rebuild->Progress()));
}

}  // namespace sightline::projector
