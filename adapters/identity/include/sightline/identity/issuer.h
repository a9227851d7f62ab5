// A local token issuer for the demo and the tests (`sightlinectl idp`): makes signing keys and
// signs JWTs the way a council's identity provider would. Production tokens come from the
// council's provider; Sightline only ever needs its public keys (the JWKS).
#pragma once

#include <string>
#include <vector>

#include "sightline/core/status.h"

namespace sightline::identity {

struct SigningKey {
  std::string kid;
  std::string alg;          // "RS256" or "ES256"
  std::string private_jwk;  // JSON; keep it secret (files mode 0600).
  std::string public_jwk;   // JSON
};

StatusOr<SigningKey> NewSigningKey(const std::string& alg, const std::string& kid);
// Reads a key back from its private JWK JSON.
StatusOr<SigningKey> SigningKeyFromJwk(const std::string& private_jwk);
// {"keys": [public JWKs]}
std::string JwksOf(const std::vector<SigningKey>& keys);
// A compact JWS over `claims_json`, header {alg, kid, typ: JWT}.
StatusOr<std::string> SignJwt(const SigningKey& key, const std::string& claims_json);

}  // namespace sightline::identity
