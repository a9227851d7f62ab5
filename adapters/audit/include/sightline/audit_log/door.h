// The guard of the operational APIs (watchdog, notifier): every /v1 call is authenticated (401
// with WWW-Authenticate otherwise), checked against `allowed` (403) and recorded on the audit
// topic, granted or refused, before the handler runs. Like the triage API it fails closed: when the
// record cannot be written the answer is 503 and the handler never runs. A route with an `:id`
// parameter records it as the child read.
#pragma once

#include <atomic>
#include <string>

#include "sightline/audit_log/sink.h"
#include "sightline/clock/clock.h"
#include "sightline/http/server.h"
#include "sightline/identity/authenticator.h"

namespace sightline::audit_log {

// Says who called in `record`: user, role, team and credential of an authenticated caller, and
// the fingerprint of whatever credential was presented.
void RecordCaller(audit::v1::AccessAudited& record, const identity::AuthResult& who);

class AuditedDoor {
 public:
  AuditedDoor(const identity::Authenticator& auth, AuditSink& sink, const Clock& clock,
              std::string service)
      : auth_(auth), sink_(sink), clock_(clock), service_(std::move(service)) {}

  // `endpoint` names the route in the record, e.g. "GET /v1/children/{id}/clocks".
  http::Handler Guard(std::string endpoint, http::Handler handler,
                      identity::Allowed allowed = identity::StaffOrSystem);

 private:
  bool Record(const identity::AuthResult& who, const std::string& endpoint,
              const http::Request& request, audit::v1::Outcome outcome);

  const identity::Authenticator& auth_;
  AuditSink& sink_;
  const Clock& clock_;
  std::string service_;
  std::atomic<std::uint64_t> seq_{0};
};

}  // namespace sightline::audit_log
