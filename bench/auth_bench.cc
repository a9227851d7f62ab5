// What it costs to know who is asking (ADR 0009 and its addendum), per request, in-process: a
// static token (SHA-256 and a constant-time comparison), and a JWT from the provider signed RS256
// or ES256, checked every time (auth.jwt.verified_tokens_kept: 0) or kept once verified (the
// default). The kept figure still hashes the token and checks its times. Numbers only: nothing
// here asserts a time.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "sightline/clock/clock.h"
#include "sightline/crypto/digest.h"
#include "sightline/identity/authenticator.h"
#include "sightline/identity/issuer.h"

using namespace sightline;
using namespace sightline::identity;

namespace {

constexpr int kRounds = 20000;

// Microseconds per authentication of `token`, over kRounds (after one to warm up).
double MicrosEach(const Authenticator& auth, const std::string& token) {
  if (!auth.AuthenticateToken(token).principal) {
    std::fprintf(stderr, "auth bench: the token was refused: %s\n",
                 auth.AuthenticateToken(token).reason.c_str());
    std::exit(1);
  }
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < kRounds; ++i) {
    if (!auth.AuthenticateToken(token).principal) std::exit(1);
  }
  std::chrono::duration<double, std::micro> took = std::chrono::steady_clock::now() - start;
  return took.count() / kRounds;
}

}  // namespace

int main() {
  std::string dir = (std::filesystem::temp_directory_path() / "sightline-auth-bench").string();
  std::filesystem::create_directories(dir);
  SigningKey rsa = NewSigningKey("RS256", "k1").value();
  SigningKey ec = NewSigningKey("ES256", "k2").value();
  std::ofstream(dir + "/jwks.json") << JwksOf({rsa, ec});
  SystemClock clock;
  auto now = std::chrono::duration_cast<std::chrono::seconds>(clock.Now().time_since_epoch());
  std::string claims = R"({"iss":"https://idp.bench","aud":"sightline","sub":"tm-7","exp":)" +
                       std::to_string(now.count() + 3600) +
                       R"(,"sightline_role":"team_manager","sightline_team":"team-2"})";
  std::string static_token = "slt_0123456789abcdefghijklmnopqrstuvwxyzABCDE";
  auto make = [&](std::size_t kept) {
    AuthOptions o;
    o.jwt = JwtPolicy{.issuer = "https://idp.bench", .audience = "sightline"};
    o.jwks_file = dir + "/jwks.json";
    o.verified_tokens_kept = kept;
    o.tokens.push_back({Principal{.subject = "feed",
                                  .role = std::nullopt,
                                  .team_id = "",
                                  .agency = "AGENCY_POLICE",
                                  .kind = CredentialKind::kStaticToken,
                                  .credential = ""},
                        crypto::Sha256Hex(static_token)});
    return Authenticator::Create(std::move(o), clock).value();
  };
  auto checking = make(0);
  auto keeping = make(10000);
  std::printf("%-22s %14s %14s %8s\n", "credential", "checked, us", "kept, us", "ratio");
  std::printf("%-22s %14.2f %14s %8s\n", "static token", MicrosEach(*checking, static_token), "",
              "");
  for (const SigningKey* key : {&rsa, &ec}) {
    std::string token = SignJwt(*key, claims).value();
    double each = MicrosEach(*checking, token);
    double kept = MicrosEach(*keeping, token);
    std::printf("%-22s %14.2f %14.2f %8.3f\n", ("JWT " + key->alg).c_str(), each, kept,
                kept / each);
  }
  std::filesystem::remove_all(dir);
  return 0;
}
