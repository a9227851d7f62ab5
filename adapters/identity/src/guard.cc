#include "sightline/identity/guard.h"

namespace sightline::identity {

bool StaffOrSystem(const Principal& p) {
  return p.role.has_value() || (p.kind == CredentialKind::kStaticToken && p.agency.empty());
}

http::Handler Guard(const Authenticator& auth, http::Handler handler, Allowed allowed) {
  return [&auth, handler = std::move(handler),
          allowed = std::move(allowed)](const http::Request& request) {
    AuthResult who = auth.Authenticate(request);
    if (!who.principal) return Authenticator::Refusal(who);
    if (allowed && !allowed(*who.principal))
      return http::ErrorResponse(403, "'" + who.principal->subject + "' may not use this endpoint");
    return handler(request);
  };
}

}  // namespace sightline::identity
