#include "sightline/audit_log/door.h"

namespace sightline::audit_log {

void RecordCaller(audit::v1::AccessAudited& e, const identity::AuthResult& who) {
  if (who.principal) {
    e.set_user_id(who.principal->subject);
    if (who.principal->role) e.set_role(std::string(domain::RoleName(*who.principal->role)));
    e.set_team_id(who.principal->team_id);
    e.set_credential(who.principal->credential);
  }
  e.set_token_fingerprint(who.fingerprint);
}

bool AuditedDoor::Record(const identity::AuthResult& who, const std::string& endpoint,
                         const http::Request& request, audit::v1::Outcome outcome) {
  audit::v1::AccessAudited e = NewRecord(service_, clock_.Now(), ++seq_);
  RecordCaller(e, who);
  e.set_endpoint(endpoint);
  e.set_outcome(outcome);
  if (auto id = request.path_params.find("id"); id != request.path_params.end())
    e.set_child_id(id->second.substr(0, 128));
  if (!who.principal) e.set_detail(who.reason.substr(0, 300));
  return sink_.Record(e).ok();
}

http::Handler AuditedDoor::Guard(std::string endpoint, http::Handler handler,
                                 identity::Allowed allowed) {
  return [this, endpoint = std::move(endpoint), handler = std::move(handler),
          allowed = std::move(allowed)](const http::Request& request) {
    auto unaudited = [] {
      return http::ErrorResponse(503, "access audit unavailable; nothing is shown unaudited");
    };
    identity::AuthResult who = auth_.Authenticate(request);
    if (!who.principal) {
      Record(who, endpoint, request, audit::v1::OUTCOME_UNAUTHENTICATED);
      return identity::Authenticator::Refusal(who);
    }
    if (allowed && !allowed(*who.principal)) {
      if (!Record(who, endpoint, request, audit::v1::OUTCOME_DENIED_NO_NEED_TO_KNOW))
        return unaudited();
      return http::ErrorResponse(403, "'" + who.principal->subject + "' may not use this endpoint");
    }
    if (!Record(who, endpoint, request, audit::v1::OUTCOME_GRANTED)) return unaudited();
    return handler(request);
  };
}

}  // namespace sightline::audit_log
