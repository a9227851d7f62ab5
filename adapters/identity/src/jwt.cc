#include "sightline/identity/jwt.h"

#include <cjose/cjose.h>

#include "sightline/core/ids.h"

#include <map>
#include <nlohmann/json.hpp>

namespace sightline::identity {

using nlohmann::json;

struct KeySet::Key {
  cjose_jwk_t* jwk = nullptr;
  std::string alg;                  // "RS256" or "ES256": the only algorithm this key verifies.
  std::size_t signature_chars = 0;  // Its signatures' length in base64url: one length only.
};

namespace {

// Characters of unpadded base64url for `bytes` bytes.
std::size_t Base64UrlChars(std::size_t bytes) { return (bytes * 8 + 5) / 6; }

}  // namespace

struct KeySet::Keys {
  std::map<std::string, Key> by_kid;
  ~Keys() {
    for (auto& [kid, key] : by_kid) cjose_jwk_release(key.jwk);
  }
};

KeySet::~KeySet() = default;

std::size_t KeySet::size() const { return keys_ ? keys_->by_kid.size() : 0; }

const KeySet::Key* KeySet::Find(const std::string& kid) const {
  if (!keys_) return nullptr;
  auto it = keys_->by_kid.find(kid);
  return it == keys_->by_kid.end() ? nullptr : &it->second;
}

StatusOr<std::shared_ptr<const KeySet>> KeySet::Parse(std::string_view jwks_json) {
  json doc = json::parse(jwks_json, nullptr, false);
  if (!doc.is_object() || !doc.contains("keys") || !doc["keys"].is_array())
    return InvalidArgument("not a JWKS document: expected {\"keys\": [...]}");
  std::shared_ptr<KeySet> set(new KeySet());
  set->keys_ = std::make_unique<Keys>();
  for (const json& k : doc["keys"]) {
    std::string kid = k.is_object() && k.contains("kid") && k["kid"].is_string()
                          ? k["kid"].get<std::string>()
                          : "";
    auto skip = [&](const std::string& why) {
      set->skipped_ +=
          (set->skipped_.empty() ? "" : "; ") + (kid.empty() ? "(no kid)" : kid) + ": " + why;
    };
    if (kid.empty()) {
      skip("no kid");
      continue;
    }
    if (k.contains("use") && k["use"] != "sig") {
      skip("not a signing key");
      continue;
    }
    if (k.contains("d")) {
      skip("a private key: publish only public keys");
      continue;
    }
    std::string text = k.dump();
    cjose_err err{};
    cjose_jwk_t* jwk = cjose_jwk_import(text.c_str(), text.size(), &err);
    if (jwk == nullptr) {
      skip(std::string("unreadable (") + (err.message ? err.message : "?") + ")");
      continue;
    }
    std::string alg;
    std::size_t signature_bytes = 0;
    cjose_jwk_kty_t kty = cjose_jwk_get_kty(jwk, &err);
    if (std::size_t bits = cjose_jwk_get_keysize(jwk, &err);
        kty == CJOSE_JWK_KTY_RSA && bits >= 2048) {
      alg = "RS256";
      signature_bytes = (bits + 7) / 8;  // RFC 8017 §8.2: the modulus's.
    } else if (kty == CJOSE_JWK_KTY_EC && cjose_jwk_EC_get_curve(jwk, &err) == CJOSE_JWK_EC_P_256) {
      alg = "ES256";
      signature_bytes = 64;  // RFC 7518 §3.4: R and S, 32 bytes each.
    }
    if (alg.empty() || (k.contains("alg") && k["alg"] != alg)) {
      cjose_jwk_release(jwk);
      skip("not an RSA key of 2048+ bits for RS256 or a P-256 key for ES256");
      continue;
    }
    if (!set->keys_->by_kid.emplace(kid, Key{jwk, alg, Base64UrlChars(signature_bytes)}).second) {
      cjose_jwk_release(jwk);
      skip("duplicate kid");
    }
  }
  return std::shared_ptr<const KeySet>(std::move(set));
}

namespace {

// Owns a cjose_jws_t.
struct Jws {
  cjose_jws_t* p = nullptr;
  ~Jws() {
    if (p) cjose_jws_release(p);
  }
};

bool AudienceMatches(const json& aud, const std::string& want) {
  if (aud.is_string()) return aud.get<std::string>() == want;
  if (aud.is_array())
    for (const json& a : aud)
      if (a.is_string() && a.get<std::string>() == want) return true;
  return false;
}

std::string ClaimString(const json& claims, const std::string& name) {
  auto it = claims.find(name);
  return it != claims.end() && it->is_string() ? it->get<std::string>() : "";
}

// RFC 7515 §2: each segment is base64url without padding (RFC 4648 §5). Only the one canonical
// spelling is taken: the alphabet's 64 characters, no length of 1 mod 4, and the unused low bits
// of the last character zero. A lenient decoder would also take padding, a spare character or a
// last character differing in unused bits, so one token would have many accepted spellings, and
// each would be a different credential to the verified-token cache and the audit's fingerprint.
bool IsCanonicalBase64Url(std::string_view segment) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '-') return 62;
    if (c == '_') return 63;
    return -1;
  };
  for (char c : segment)
    if (value(c) < 0) return false;
  switch (segment.size() % 4) {
    case 1:
      return false;
    case 2:
      return (value(segment.back()) & 0x0F) == 0;  // 12 bits carry 8: 4 unused.
    case 3:
      return (value(segment.back()) & 0x03) == 0;  // 18 bits carry 16: 2 unused.
    default:
      return true;
  }
}

// Why `token` is not a compact JWS of three canonical segments, or "" when it is one.
std::string CompactJwsShapeError(std::string_view token) {
  std::size_t first = token.find('.');
  std::size_t second = first == std::string_view::npos ? first : token.find('.', first + 1);
  if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos)
    return "not a signed JWT (compact JWS): it needs three segments";
  const char* names[] = {"header", "claims", "signature"};
  std::string_view segments[] = {token.substr(0, first),
                                 token.substr(first + 1, second - first - 1),
                                 token.substr(second + 1)};
  for (int i = 0; i < 3; ++i)
    if (!IsCanonicalBase64Url(segments[i]))
      return std::string("not a signed JWT (compact JWS): its ") + names[i] +
             " is not canonical base64url";
  return "";
}

}  // namespace

std::string JwtKeyId(std::string_view token) {
  std::size_t dot = token.find('.');
  if (dot > 4096) return "";  // Also when there is no dot (npos).
  std::uint8_t* raw = nullptr;
  std::size_t raw_len = 0;
  cjose_err err;
  if (!cjose_base64url_decode(token.data(), dot, &raw, &raw_len, &err)) return "";
  std::string header(reinterpret_cast<const char*>(raw), raw_len);
  cjose_get_dealloc()(raw);
  json h = json::parse(header, nullptr, false);
  if (!h.is_object() || !h.contains("kid") || !h["kid"].is_string()) return "";
  return h["kid"].get<std::string>();
}

Status CheckJwtValidity(const JwtValidity& validity, const JwtPolicy& policy, Instant now) {
  auto t = static_cast<double>(UnixSeconds(now));
  auto leeway = static_cast<double>(policy.leeway.count());
  if (validity.expires + leeway <= t) return InvalidArgument("expired");
  if (validity.not_before && *validity.not_before - leeway > t)
    return InvalidArgument("not yet valid (nbf)");
  return Status::Ok();
}

StatusOr<Principal> VerifyJwt(std::string_view token, const KeySet& keys, const JwtPolicy& policy,
                              Instant now, JwtValidity* validity) {
  if (token.size() > std::size_t{16} * 1024) return InvalidArgument("token too long");
  if (std::string shape = CompactJwsShapeError(token); !shape.empty())
    return InvalidArgument(shape);
  cjose_err err{};
  Jws jws{cjose_jws_import(token.data(), token.size(), &err)};
  if (jws.p == nullptr) return InvalidArgument("not a signed JWT (compact JWS)");
  cjose_header_t* header = cjose_jws_get_protected(jws.p);
  const char* alg = header ? cjose_header_get(header, CJOSE_HDR_ALG, &err) : nullptr;
  const char* kid = header ? cjose_header_get(header, CJOSE_HDR_KID, &err) : nullptr;
  if (alg == nullptr || kid == nullptr) return InvalidArgument("token header needs alg and kid");
  const KeySet::Key* key = keys.Find(kid);
  if (key == nullptr) return InvalidArgument("unknown key id");
  // The key decides the algorithm: "none", HS256 with a public key, or RS256 against an EC key
  // are all refused here, before any signature check.
  if (key->alg != alg) return InvalidArgument("algorithm does not match the key");
  if (token.size() - token.rfind('.') - 1 != key->signature_chars)
    return InvalidArgument("bad signature: the signature's length does not fit " + key->alg +
                           " with this key");
  if (!cjose_jws_verify(jws.p, key->jwk, &err)) return InvalidArgument("bad signature");
  std::uint8_t* payload = nullptr;
  std::size_t payload_len = 0;
  if (!cjose_jws_get_plaintext(jws.p, &payload, &payload_len, &err))
    return InvalidArgument("unreadable claims");
  json claims = json::parse(std::string_view(reinterpret_cast<const char*>(payload), payload_len),
                            nullptr, false);
  if (!claims.is_object()) return InvalidArgument("claims are not a JSON object");

  if (ClaimString(claims, "iss") != policy.issuer) return InvalidArgument("wrong issuer");
  if (!claims.contains("aud") || !AudienceMatches(claims["aud"], policy.audience))
    return InvalidArgument("wrong audience");
  if (!claims.contains("exp") || !claims["exp"].is_number())
    return InvalidArgument("no expiry (exp)");
  JwtValidity times{.expires = claims["exp"].get<double>(), .not_before = std::nullopt};
  if (claims.contains("nbf")) {
    if (!claims["nbf"].is_number()) return InvalidArgument("not yet valid (nbf)");
    times.not_before = claims["nbf"].get<double>();
  }
  if (Status s = CheckJwtValidity(times, policy, now); !s.ok()) return s;

  Principal p;
  p.kind = CredentialKind::kJwt;
  p.subject = ClaimString(claims, "sub");
  if (!IsWellFormedId(p.subject)) return InvalidArgument("sub is not a well-formed id");
  std::string role = ClaimString(claims, policy.role_claim);
  if (!role.empty()) {
    p.role = domain::ParseUserRole(role);
    if (!p.role) return InvalidArgument("unknown role in " + policy.role_claim);
  }
  p.team_id = ClaimString(claims, policy.team_claim);
  p.agency = ClaimString(claims, policy.agency_claim);
  if (!p.role && p.agency.empty())
    return InvalidArgument("token names neither a role nor an agency");
  p.credential = policy.issuer + "#" + kid;
  if (validity != nullptr) *validity = times;
  return p;
}

}  // namespace sightline::identity
