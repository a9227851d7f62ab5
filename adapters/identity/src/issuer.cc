#include "sightline/identity/issuer.h"

#include <cjose/cjose.h>

#include <nlohmann/json.hpp>

namespace sightline::identity {
namespace {

std::string Error(const char* what, const cjose_err& err) {
  return std::string(what) + ": " + (err.message ? err.message : "unknown cjose error");
}

std::string ToJson(const cjose_jwk_t* jwk, bool priv) {
  cjose_err err{};
  char* text = cjose_jwk_to_json(jwk, priv, &err);
  if (text == nullptr) return "";
  std::string out(text);
  cjose_get_dealloc()(text);
  return out;
}

}  // namespace

StatusOr<SigningKey> NewSigningKey(const std::string& alg, const std::string& kid) {
  cjose_err err{};
  cjose_jwk_t* jwk = nullptr;
  if (alg == "RS256") {
    static const std::uint8_t kExponent[] = {0x01, 0x00, 0x01};
    jwk = cjose_jwk_create_RSA_random(2048, kExponent, sizeof kExponent, &err);
  } else if (alg == "ES256") {
    jwk = cjose_jwk_create_EC_random(CJOSE_JWK_EC_P_256, &err);
  } else {
    return InvalidArgument("alg must be RS256 or ES256");
  }
  if (jwk == nullptr) return Internal(Error("cannot make a key", err));
  cjose_jwk_set_kid(jwk, kid.c_str(), kid.size(), &err);
  SigningKey key{kid, alg, ToJson(jwk, true), ToJson(jwk, false)};
  cjose_jwk_release(jwk);
  // The public JWK says what it is for.
  nlohmann::json pub = nlohmann::json::parse(key.public_jwk);
  pub["alg"] = alg;
  pub["use"] = "sig";
  key.public_jwk = pub.dump();
  return key;
}

StatusOr<SigningKey> SigningKeyFromJwk(const std::string& private_jwk) {
  nlohmann::json j = nlohmann::json::parse(private_jwk, nullptr, false);
  if (!j.is_object() || !j.contains("kid") || !j.contains("d"))
    return InvalidArgument("not a private JWK with a kid");
  SigningKey key;
  key.kid = j["kid"].get<std::string>();
  key.alg = j.value("kty", "") == "RSA" ? "RS256" : "ES256";
  key.private_jwk = private_jwk;
  nlohmann::json pub = j;
  for (const char* secret : {"d", "p", "q", "dp", "dq", "qi"}) pub.erase(secret);
  pub["alg"] = key.alg;
  pub["use"] = "sig";
  key.public_jwk = pub.dump();
  return key;
}

std::string JwksOf(const std::vector<SigningKey>& keys) {
  nlohmann::json out = {{"keys", nlohmann::json::array()}};
  for (const SigningKey& k : keys) out["keys"].push_back(nlohmann::json::parse(k.public_jwk));
  return out.dump(2);
}

StatusOr<std::string> SignJwt(const SigningKey& key, const std::string& claims_json) {
  cjose_err err{};
  cjose_jwk_t* jwk = cjose_jwk_import(key.private_jwk.c_str(), key.private_jwk.size(), &err);
  if (jwk == nullptr) return InvalidArgument(Error("unreadable key", err));
  cjose_header_t* header = cjose_header_new(&err);
  cjose_header_set(header, CJOSE_HDR_ALG, key.alg.c_str(), &err);
  cjose_header_set(header, CJOSE_HDR_KID, key.kid.c_str(), &err);
  cjose_header_set(header, "typ", "JWT", &err);
  cjose_jws_t* jws =
      cjose_jws_sign(jwk, header, reinterpret_cast<const std::uint8_t*>(claims_json.data()),
                     claims_json.size(), &err);
  std::string out;
  const char* compact = nullptr;
  if (jws != nullptr && cjose_jws_export(jws, &compact, &err)) out = compact;
  if (jws != nullptr) cjose_jws_release(jws);
  cjose_header_release(header);
  cjose_jwk_release(jwk);
  if (out.empty()) return Internal(Error("cannot sign", err));
  return out;
}

}  // namespace sightline::identity
