// Who is at the door: the authenticated principal of a request, whatever the credential.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "sightline/domain/access/access.h"

namespace sightline::identity {

enum class CredentialKind { kStaticToken, kJwt };

struct Principal {
  std::string subject;                   // A user id, or a system client's id.
  std::optional<domain::UserRole> role;  // Staff roles; absent for partner systems.
  std::string team_id;                   // Staff: their team.
  std::string agency;                    // Partner systems: e.g. "AGENCY_POLICE".
  CredentialKind kind = CredentialKind::kStaticToken;
  std::string credential;  // For the audit: token fingerprint or "issuer#kid".
  bool relay = false;      // A trusted relay records events for the staff it names (static tokens).

  // The access-rules view of a staff principal (nullopt for a partner system).
  std::optional<domain::User> AsUser() const {
    if (!role) return std::nullopt;
    return domain::User{subject, *role, team_id};
  }
};

// Whether a principal may use a route; for the operational APIs' guard (audit_log::AuditedDoor).
using Allowed = std::function<bool(const Principal&)>;

// Staff of any role, or a system client (a static token of no agency); partner agencies are not
// staff.
inline bool StaffOrSystem(const Principal& p) {
  return p.role.has_value() || (p.kind == CredentialKind::kStaticToken && p.agency.empty());
}

}  // namespace sightline::identity
