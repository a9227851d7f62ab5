// OpenID Connect / OAuth2 bearer tokens: compact JWS signed RS256 or ES256 (P-256), verified with
// cjose against keys from a JWKS document (ADR 0009). Claims checked: iss, aud, exp and nbf
// with a small leeway, sub; the role, team and agency come from configurable claims.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "sightline/core/status.h"
#include "sightline/core/time.h"
#include "sightline/identity/principal.h"

namespace sightline::identity {

struct JwtPolicy {
  std::string issuer;
  std::string audience;
  std::chrono::seconds leeway{60};
  std::string role_claim = "sightline_role";  // e.g. "team_manager"
  std::string team_claim = "sightline_team";
  std::string agency_claim = "sightline_agency";  // e.g. "AGENCY_POLICE" for partner systems
};

// An immutable set of verification keys by key id. Only RSA (RS256, 2048 bits or more) and
// P-256 EC (ES256) public keys are kept; others are skipped and named in `skipped`.
class KeySet {
 public:
  static StatusOr<std::shared_ptr<const KeySet>> Parse(std::string_view jwks_json);
  ~KeySet();
  KeySet(const KeySet&) = delete;
  KeySet& operator=(const KeySet&) = delete;
  std::size_t size() const;
  const std::string& skipped() const { return skipped_; }

  struct Key;
  const Key* Find(const std::string& kid) const;
  bool Has(const std::string& kid) const { return Find(kid) != nullptr; }

 private:
  KeySet() = default;
  struct Keys;
  std::unique_ptr<Keys> keys_;
  std::string skipped_;
};

// The key id a token's header names ("" when it is not a readable JWT). Unverified: only for
// choosing keys.
std::string JwtKeyId(std::string_view token);

// When a token may be used: its exp and nbf claims, in seconds since the epoch.
struct JwtValidity {
  double expires = 0;
  std::optional<double> not_before;
};
// Whether `now` lies within `validity`, give or take the policy's leeway (InvalidArgument
// "expired" or "not yet valid (nbf)" when not).
Status CheckJwtValidity(const JwtValidity& validity, const JwtPolicy& policy, Instant now);

// The principal a token proves at `now`, or why it proves nothing (InvalidArgument, with a
// reason safe to log: never the token). `validity`, when given, receives the token's times once
// it is verified, for a later use of the same token to be checked against.
StatusOr<Principal> VerifyJwt(std::string_view token, const KeySet& keys, const JwtPolicy& policy,
                              Instant now, JwtValidity* validity = nullptr);

}  // namespace sightline::identity
