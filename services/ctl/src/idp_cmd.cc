// sightlinectl idp: a local identity provider for the demo and tests, standing in for a council's
// (Entra ID, Okta, Keycloak...). It makes signing keys, signs access tokens (JWTs) the way a
// provider would, and serves its public keys (JWKS) over HTTP so the services can fetch them by
// URL. Private keys and tokens are written mode 0600. Never for production: a real provider
// signs in real people.

#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>

#include "commands.h"
#include "private_file.h"
#include "sightline/clock/clock.h"
#include "sightline/http/server.h"
#include "sightline/identity/issuer.h"
#include "sightline/runtime/serve.h"

namespace sightline::ctl {
namespace {

using nlohmann::json;

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string KeyFile(const std::string& dir) { return dir + "/signing-key.jwk"; }
std::string JwksFile(const std::string& dir) { return dir + "/jwks.json"; }

}  // namespace

int IdpInit(const IdpOptions& o) {
  std::filesystem::create_directories(o.dir);
  bool exists = std::filesystem::exists(KeyFile(o.dir));
  if (exists && !o.rotate) {
    std::cerr << "idp: " << KeyFile(o.dir) << " exists (use --rotate to make a new key)\n";
    return 0;
  }
  std::vector<identity::SigningKey> published;
  if (exists) {  // Rotation: the old public key stays published until its tokens expire.
    auto old = identity::SigningKeyFromJwk(Slurp(KeyFile(o.dir)));
    if (!old.ok()) {
      std::cerr << "idp: " << old.status().message() << "\n";
      return 1;
    }
    published.push_back(old.value());
  }
  std::string kid = o.kid;
  if (kid.empty()) {
    std::random_device random;
    std::ostringstream id;
    id << "sightline-idp-" << UnixSeconds(SystemClock().Now()) << "-" << std::hex
       << (random() & 0xffff);
    kid = id.str();
  }
  auto key = identity::NewSigningKey(o.alg, kid);
  if (!key.ok()) {
    std::cerr << "idp: " << key.status().message() << "\n";
    return 1;
  }
  published.insert(published.begin(), key.value());
  if (!WritePrivateFile(KeyFile(o.dir), key.value().private_jwk).ok()) {
    std::cerr << "idp: cannot write " << KeyFile(o.dir) << "\n";
    return 1;
  }
  std::ofstream(JwksFile(o.dir) + ".tmp") << identity::JwksOf(published);
  std::rename((JwksFile(o.dir) + ".tmp").c_str(), JwksFile(o.dir).c_str());
  std::cerr << "idp: " << (exists ? "rotated to" : "made") << " key " << kid << " (" << o.alg
            << "); public keys in " << JwksFile(o.dir) << "\n";
  return 0;
}

int IdpToken(const IdpOptions& o) {
  auto key = identity::SigningKeyFromJwk(Slurp(KeyFile(o.dir)));
  if (!key.ok()) {
    std::cerr << "idp: " << KeyFile(o.dir) << ": " << key.status().message()
              << " (run sightlinectl idp init first)\n";
    return 1;
  }
  if (o.subject.empty() || (o.role.empty() == o.agency.empty())) {
    std::cerr << "idp token: --sub and exactly one of --role (staff) or --agency (partner)\n";
    return 1;
  }
  std::int64_t now = UnixSeconds(SystemClock().Now());
  json claims = {{"iss", o.issuer},  {"aud", o.audience},
                 {"sub", o.subject}, {"iat", now},
                 {"nbf", now - 5},   {"exp", now + static_cast<std::int64_t>(o.ttl_minutes) * 60}};
  if (!o.role.empty()) claims["sightline_role"] = o.role;
  if (!o.team.empty()) claims["sightline_team"] = o.team;
  if (!o.agency.empty()) claims["sightline_agency"] = o.agency;
  auto token = identity::SignJwt(key.value(), claims.dump());
  if (!token.ok()) {
    std::cerr << "idp: " << token.status().message() << "\n";
    return 1;
  }
  if (o.out.empty() || o.out == "-") {
    std::cout << token.value() << "\n";
  } else if (!WritePrivateFile(o.out, token.value() + "\n").ok()) {
    std::cerr << "idp: cannot write " << o.out << "\n";
    return 1;
  }
  return 0;
}

int IdpServe(const IdpOptions& o) {
  sigset_t stop = runtime::BlockStopSignals();
  if (!std::filesystem::exists(JwksFile(o.dir))) {
    std::cerr << "idp: no " << JwksFile(o.dir) << " (run sightlinectl idp init first)\n";
    return 1;
  }
  http::Server server({.host = "127.0.0.1", .port = o.port, .max_body_bytes = 1024, .threads = 2});
  std::string dir = o.dir;
  int bound = 0;
  // Read on every request, so a rotation (idp init --rotate) is served at once.
  server.Get("/jwks.json", [dir](const http::Request&) {
    return http::Response{.status = 200,
                          .content_type = "application/json",
                          .body = Slurp(JwksFile(dir)),
                          .headers = {{"Cache-Control", "max-age=60"}}};
  });
  server.Get("/.well-known/openid-configuration", [&o, &bound](const http::Request&) {
    json doc = {{"issuer", o.issuer},
                {"jwks_uri", "http://127.0.0.1:" + std::to_string(bound) + "/jwks.json"},
                {"id_token_signing_alg_values_supported", {"RS256", "ES256"}}};
    return http::Response{
        .status = 200, .content_type = "application/json", .body = doc.dump(), .headers = {}};
  });
  auto port = server.Start();
  if (!port.ok()) {
    std::cerr << "idp: " << port.status().message() << "\n";
    return 1;
  }
  bound = port.value();
  if (!o.port_file.empty()) std::ofstream(o.port_file) << bound << "\n";
  std::cerr << "idp: serving http://127.0.0.1:" << bound << "/jwks.json for issuer " << o.issuer
            << "\n";
  int sig = 0;
  sigwait(&stop, &sig);
  server.Stop();
  return 0;
}

}  // namespace sightline::ctl
