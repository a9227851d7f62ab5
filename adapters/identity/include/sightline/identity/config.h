// The `auth:` block every service's YAML shares (ADR 0009):
//   auth:
//     tokens:                    # static tokens, kept as SHA-256 only
//       - {id: tm-1, role: team_manager, team: team-2, token_sha256: <64 hex>}
//       - {id: police-feed, agency: AGENCY_POLICE, token_sha256: <64 hex>}
//       - {id: cms-bridge, relay: true, token_sha256: <64 hex>}
//     jwt:                       # the council's identity provider (optional)
//       issuer: https://login.example.gov.uk/tenant/v2.0
//       audience: sightline
//       jwks_file: /etc/sightline/jwks.json
//       leeway_seconds: 60
// `key` is where the token list lives ("auth.tokens"; the projector also reads "access.users").
#pragma once

#include <string>

#include "sightline/config/yaml_reader.h"
#include "sightline/identity/authenticator.h"

namespace sightline::identity {

void ReadAuthOptions(config::YamlReader& yaml, AuthOptions& out,
                     const std::string& tokens_key = "auth.tokens");

}  // namespace sightline::identity
