#include "sightline/identity/config.h"

#include <set>

#include "sightline/core/ids.h"

namespace sightline::identity {
namespace {

bool IsHex64(const std::string& s) {
  return s.size() == 64 && s.find_first_not_of("0123456789abcdef") == std::string::npos;
}

}  // namespace

void ReadAuthOptions(config::YamlReader& yaml, AuthOptions& out, const std::string& tokens_key) {
  std::set<std::string> ids;
  std::set<std::string> hashes;
  std::size_t n = yaml.ListSize(tokens_key);
  for (std::size_t i = 0; i < n; ++i) {
    std::string at = tokens_key + "[" + std::to_string(i) + "]";
    StaticToken t;
    t.principal.subject = yaml.String(at + ".id", "");
    std::string role = yaml.String(at + ".role", "");
    t.principal.team_id = yaml.String(at + ".team", "");
    t.principal.agency = yaml.String(at + ".agency", "");
    t.principal.relay = yaml.Bool(at + ".relay", false);
    t.token_sha256 = yaml.String(at + ".token_sha256", "");
    if (!IsWellFormedId(t.principal.subject)) yaml.Fail(at + ".id", "required: a well-formed id");
    if (!ids.insert(t.principal.subject).second) yaml.Fail(at + ".id", "given twice");
    if (!role.empty()) {
      t.principal.role = domain::ParseUserRole(role);
      if (!t.principal.role) yaml.Fail(at + ".role", "not a role: '" + role + "'");
    }
    if (role.empty() && t.principal.agency.empty() && !t.principal.relay)
      yaml.Fail(at, "needs a role (staff), an agency (partner system) or relay: true");
    if (!IsHex64(t.token_sha256)) {
      yaml.Fail(at + ".token_sha256", "must be 64 lower-case hex digits (sha256sum of the token)");
    } else if (!hashes.insert(t.token_sha256).second) {
      yaml.Fail(at + ".token_sha256", "the same token is given to two clients");
    }
    out.tokens.push_back(std::move(t));
  }
  if (tokens_key != "auth.tokens") return;  // A tokens file holds only tokens.
  out.tokens_file = yaml.String("auth.tokens_file", out.tokens_file);
  std::string issuer = yaml.String("auth.jwt.issuer", "");
  if (!issuer.empty()) {
    JwtPolicy p;
    p.issuer = issuer;
    p.audience = yaml.String("auth.jwt.audience", "");
    p.leeway = std::chrono::seconds(yaml.Int("auth.jwt.leeway_seconds", 60, 0, 600));
    p.role_claim = yaml.String("auth.jwt.role_claim", p.role_claim);
    p.team_claim = yaml.String("auth.jwt.team_claim", p.team_claim);
    p.agency_claim = yaml.String("auth.jwt.agency_claim", p.agency_claim);
    out.jwks_file = yaml.String("auth.jwt.jwks_file", "");
    out.jwks_url = yaml.String("auth.jwt.jwks_url", "");
    out.jwks_ca_file = yaml.String("auth.jwt.jwks_ca_file", "");
    out.jwks_refresh = std::chrono::seconds(
        yaml.Int("auth.jwt.jwks_refresh_seconds", out.jwks_refresh.count(), 30, 86400));
    out.verified_tokens_kept = static_cast<std::size_t>(
        yaml.Int("auth.jwt.verified_tokens_kept",
                 static_cast<std::int64_t>(out.verified_tokens_kept), 0, 1000000));
    if (p.audience.empty()) yaml.Fail("auth.jwt.audience", "required with auth.jwt.issuer");
    if (out.jwks_file.empty() == out.jwks_url.empty())
      yaml.Fail("auth.jwt", "give the provider's keys as exactly one of jwks_file or jwks_url");
    if (!out.jwks_url.empty() && !out.jwks_url.starts_with("https://") &&
        !out.jwks_url.starts_with("http://127.0.0.1") &&
        !out.jwks_url.starts_with("http://localhost") && !out.jwks_url.starts_with("http://[::1]"))
      yaml.Fail("auth.jwt.jwks_url", "must be https:// (plain http only on loopback)");
    out.jwt = p;
  }
}

}  // namespace sightline::identity
