// The identity adapter with real keys (made by the local issuer, as a council's provider would):
// every way a bearer credential can be wrong is refused with its reason; keys rotate by file.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include "process.h"
#include "sightline/crypto/digest.h"
#include "sightline/identity/authenticator.h"
#include "sightline/identity/issuer.h"

namespace sightline::identity {
namespace {

using ::testing::HasSubstr;

constexpr std::int64_t kNow = 1'795'000'000;  // 2026-11-18

std::string Base64Url(const std::string& in) {
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  unsigned bits = 0;
  int count = 0;
  for (unsigned char c : in) {
    bits = (bits << 8) | c;
    count += 8;
    while (count >= 6) {
      out.push_back(kAlphabet[(bits >> (count - 6)) & 63]);
      count -= 6;
    }
  }
  if (count > 0) out.push_back(kAlphabet[(bits << (6 - count)) & 63]);
  return out;
}

std::string Claims(const std::string& extra = "", std::int64_t exp = kNow + 600,
                   const std::string& aud = "\"sightline\"") {
  return R"({"iss":"https://idp.test","aud":)" + aud + R"(,"sub":"tm-7","exp":)" +
         std::to_string(exp) + R"(,"sightline_role":"team_manager","sightline_team":"team-2")" +
         extra + "}";
}

class Identity : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::TempDir("identity");
    rsa_ = NewSigningKey("RS256", "k1").value();
    ec_ = NewSigningKey("ES256", "k2").value();
    other_ = NewSigningKey("RS256", "k3").value();
    WriteJwks({rsa_, ec_});
    AuthOptions o;
    o.jwt = JwtPolicy{.issuer = "https://idp.test", .audience = "sightline"};
    o.jwks_file = dir_ + "/jwks.json";
    o.jwks_recheck = std::chrono::seconds(0);
    Principal system{.subject = "police-feed",
                     .role = std::nullopt,
                     .team_id = "",
                     .agency = "AGENCY_POLICE",
                     .kind = CredentialKind::kStaticToken,
                     .credential = ""};
    o.tokens.push_back({system, crypto::Sha256Hex(kStatic)});
    auth_ = Authenticator::Create(std::move(o), clock_).value();
  }
  void WriteJwks(const std::vector<SigningKey>& keys) {
    std::ofstream(dir_ + "/jwks.json.tmp") << JwksOf(keys);
    std::filesystem::rename(dir_ + "/jwks.json.tmp", dir_ + "/jwks.json");
  }
  AuthResult Try(const std::string& token) {
    http::Request r;
    r.headers.emplace("authorization", "bearer " + token);
    return auth_->Authenticate(r);
  }

  static constexpr const char* kStatic = "slt_0123456789abcdefghijklmnopqrstuvwxyzABCDE";
  std::string dir_;
  SigningKey rsa_, ec_, other_;
  ManualClock clock_{Instant(std::chrono::seconds(kNow))};
  std::unique_ptr<Authenticator> auth_;
};

TEST_F(Identity, AcceptsRs256AndEs256FromTheProvider) {
  for (const SigningKey* key : {&rsa_, &ec_}) {
    AuthResult r = Try(SignJwt(*key, Claims()).value());
    ASSERT_TRUE(r.principal) << key->alg << ": " << r.reason;
    EXPECT_EQ(r.principal->subject, "tm-7");
    EXPECT_EQ(r.principal->role, domain::UserRole::kTeamManager);
    EXPECT_EQ(r.principal->team_id, "team-2");
    EXPECT_EQ(r.principal->kind, CredentialKind::kJwt);
    EXPECT_EQ(r.principal->credential, "https://idp.test#" + key->kid);
  }
  // An audience list that includes ours, and a clock 30 s past expiry (within the leeway).
  EXPECT_TRUE(
      Try(SignJwt(rsa_, Claims("", kNow - 30, R"(["other","sightline"])")).value()).principal);
}

TEST_F(Identity, EveryWrongTokenIsRefusedWithItsReason) {
  std::string good = SignJwt(rsa_, Claims()).value();
  std::string tampered = good;
  tampered[tampered.size() - 5] = tampered[tampered.size() - 5] == 'A' ? 'B' : 'A';
  std::string payload = good.substr(good.find('.') + 1, good.rfind('.') - good.find('.') - 1);
  struct Case {
    std::string name, token, reason;
  } cases[] = {
      {"expired", SignJwt(rsa_, Claims("", kNow - 120)).value(), "expired"},
      {"not yet valid", SignJwt(rsa_, Claims(",\"nbf\":" + std::to_string(kNow + 600))).value(),
       "not yet valid"},
      {"wrong audience", SignJwt(rsa_, Claims("", kNow + 600, "\"payroll\"")).value(),
       "wrong audience"},
      {"wrong issuer",
       SignJwt(rsa_, R"({"iss":"https://evil.test","aud":"sightline","sub":"x","exp":)" +
                         std::to_string(kNow + 600) + R"(,"sightline_role":"auditor"})")
           .value(),
       "wrong issuer"},
      {"bad signature", tampered, "bad signature"},
      {"unknown key id", SignJwt(other_, Claims()).value(), "unknown key id"},
      {"alg none", Base64Url(R"({"alg":"none","kid":"k1"})") + "." + payload + ".", "algorithm"},
      {"HS256 with the public key",
       Base64Url(R"({"alg":"HS256","kid":"k1"})") + "." + payload + ".c2ln", "algorithm"},
      {"RS256 claimed for the EC key",
       Base64Url(R"({"alg":"RS256","kid":"k2"})") + "." + payload + ".c2ln", "algorithm"},
      {"no expiry",
       SignJwt(
           rsa_,
           R"({"iss":"https://idp.test","aud":"sightline","sub":"x","sightline_role":"auditor"})")
           .value(),
       "no expiry"},
      {"made-up role", SignJwt(rsa_, Claims(",\"sightline_role\":\"god\"")).value(), "role"},
      {"garbage", "a.b.c", "not a signed JWT"},
      {"short static token", "letmein", "too short"},
      {"unknown static token", std::string(40, 'x'), "unknown token"},
  };
  for (const Case& c : cases) {
    AuthResult r = Try(c.token);
    EXPECT_FALSE(r.principal) << c.name;
    EXPECT_THAT(r.reason, HasSubstr(c.reason)) << c.name;
    EXPECT_EQ(r.reason.find(c.token.substr(0, 20)), std::string::npos) << "echoes the token";
  }
  http::Request none;
  EXPECT_EQ(auth_->Authenticate(none).reason, "missing bearer token");
  none.headers.emplace("authorization", "Basic dXNlcjpwYXNz");
  EXPECT_EQ(auth_->Authenticate(none).reason, "not a bearer credential");
  http::Response refusal = Authenticator::Refusal(auth_->Authenticate(none));
  EXPECT_EQ(refusal.status, 401);
  EXPECT_EQ(refusal.headers["WWW-Authenticate"], "Bearer realm=\"sightline\"");
}

// A token has one spelling only (RFC 7515 §2: base64url without padding). Its signature decoded
// leniently would let a spare character, padding, or a last character differing only in unused
// bits pass as the same token, so one credential would have many accepted spellings.
TEST_F(Identity, ATokenHasOneSpellingOnly) {
  static const std::string kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  for (const SigningKey* key : {&rsa_, &ec_}) {
    std::string good = SignJwt(*key, Claims()).value();
    ASSERT_TRUE(Try(good).principal) << key->alg;
    std::size_t first_dot = good.find('.');
    std::string header_twin = good;
    std::string signature_twin = good;
    // The header and the signature each end with unused bits: flipping the lowest one spells
    // the same bytes differently.
    std::size_t signature_length = good.size() - good.rfind('.') - 1;
    for (auto [token, length] :
         {std::pair{&header_twin, first_dot}, std::pair{&signature_twin, signature_length}}) {
      ASSERT_NE(length % 4, 0u) << key->alg << ": this segment has no unused bits";
      std::size_t at = token == &header_twin ? first_dot - 1 : good.size() - 1;
      (*token)[at] = kAlphabet[kAlphabet.find((*token)[at]) ^ 1];
    }
    std::string plus = good;
    plus[good.rfind('.') + 1] = '+';
    // A spare character or two may still be canonical base64url: the signature is then too
    // long for its algorithm and key, which a lenient ES256 check would read past.
    struct Case {
      std::string name, token, reason;
    } cases[] = {
        {"one spare character", good + "A", "signature's length"},
        {"two spare characters", good + "AA", "signature's length"},
        {"one character short", good.substr(0, good.size() - 1), "signature"},
        {"padding", good + "==", "not a signed JWT"},
        {"a newline", good + "\n", "not a signed JWT"},
        {"the signature's unused bits", signature_twin, "not a signed JWT"},
        {"the header's unused bits", header_twin, "not a signed JWT"},
        {"base64's alphabet, not base64url's", plus, "not a signed JWT"},
        {"an empty header", good.substr(first_dot), "not a signed JWT"},
        {"a fourth segment", good + ".e30", "unknown token"},  // Not a JWT's shape at all.
    };
    for (const Case& c : cases) {
      AuthResult r = Try(c.token);
      EXPECT_FALSE(r.principal) << key->alg << ", " << c.name;
      EXPECT_THAT(r.reason, HasSubstr(c.reason)) << key->alg << ", " << c.name;
    }
    EXPECT_TRUE(Try(good).principal) << key->alg << ": the good spelling is still accepted";
  }
}

// A JWT verified once is kept by its digest: used again, its signature is not checked again
// (ADR 0009's addendum), but its times are, and a forged copy still fails its own check.
TEST_F(Identity, AVerifiedTokenIsKeptButItsTimesAreCheckedAtEveryUse) {
  std::string token = SignJwt(ec_, Claims()).value();
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(Try(token).principal) << Try(token).reason;
  EXPECT_EQ(auth_->signatures_checked(), 1u);
  AuthResult again = Try(token);
  ASSERT_TRUE(again.principal);
  EXPECT_EQ(again.principal->subject, "tm-7");
  EXPECT_EQ(again.principal->credential, "https://idp.test#k2");
  EXPECT_EQ(again.fingerprint, crypto::Sha256Hex(token).substr(0, 12));

  std::string forged = token;
  forged[forged.size() - 5] = forged[forged.size() - 5] == 'A' ? 'B' : 'A';
  EXPECT_THAT(Try(forged).reason, HasSubstr("bad signature"));
  EXPECT_EQ(auth_->signatures_checked(), 2u);

  // Past exp and the leeway, the kept token is refused without a new check.
  clock_.Set(Instant(std::chrono::seconds(kNow + 600 + 61)));
  EXPECT_THAT(Try(token).reason, HasSubstr("expired"));
  EXPECT_EQ(auth_->signatures_checked(), 2u);

  // A token valid from a later time: refused until then (and not kept), then kept, and refused
  // again from the cache if the clock is set back before it.
  clock_.Set(Instant(std::chrono::seconds(kNow)));
  std::string later = SignJwt(rsa_, Claims(",\"nbf\":" + std::to_string(kNow + 300))).value();
  EXPECT_THAT(Try(later).reason, HasSubstr("not yet valid"));
  clock_.Set(Instant(std::chrono::seconds(kNow + 400)));
  EXPECT_TRUE(Try(later).principal);
  EXPECT_TRUE(Try(later).principal);
  EXPECT_EQ(auth_->signatures_checked(), 4u);
  clock_.Set(Instant(std::chrono::seconds(kNow + 200)));
  EXPECT_THAT(Try(later).reason, HasSubstr("not yet valid"));
  EXPECT_EQ(auth_->signatures_checked(), 4u);
}

// With no tokens kept, every use checks the signature.
TEST_F(Identity, NoTokensKeptChecksEverySignature) {
  AuthOptions o;
  o.jwt = JwtPolicy{.issuer = "https://idp.test", .audience = "sightline"};
  o.jwks_file = dir_ + "/jwks.json";
  o.verified_tokens_kept = 0;
  auto auth = Authenticator::Create(std::move(o), clock_).value();
  std::string token = SignJwt(rsa_, Claims()).value();
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(auth->AuthenticateToken(token).principal);
  EXPECT_EQ(auth->signatures_checked(), 3u);
}

TEST_F(Identity, StaticTokensNameSystemClients) {
  AuthResult r = Try(kStatic);
  ASSERT_TRUE(r.principal) << r.reason;
  EXPECT_EQ(r.principal->subject, "police-feed");
  EXPECT_EQ(r.principal->agency, "AGENCY_POLICE");
  EXPECT_FALSE(r.principal->AsUser());
  EXPECT_EQ(r.principal->credential, "token:" + crypto::Sha256Hex(kStatic).substr(0, 12));
}

TEST_F(Identity, KeysRotateWhenTheJwksFileChanges) {
  std::string by_k1 = SignJwt(rsa_, Claims()).value();
  std::string by_k3 = SignJwt(other_, Claims()).value();
  EXPECT_TRUE(Try(by_k1).principal);
  EXPECT_FALSE(Try(by_k3).principal);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));  // A new modification time.
  WriteJwks({other_, ec_});
  EXPECT_TRUE(Try(by_k3).principal) << Try(by_k3).reason;
  // Retired key: refused, though the token was kept verified against the keys before.
  EXPECT_THAT(Try(by_k1).reason, HasSubstr("unknown key id"));
  // A broken file keeps the keys in use rather than locking everyone out.
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  std::ofstream(dir_ + "/jwks.json") << "{not json";
  EXPECT_TRUE(Try(by_k3).principal);
}

TEST_F(Identity, KeysComeFromTheProvidersJwksUrlAndRotate) {
  // The provider's JWKS endpoint, serving whatever `published` holds.
  std::mutex mu;
  std::string published = JwksOf({rsa_});
  int fetches = 0;
  http::Server idp({.host = "127.0.0.1", .port = 0, .max_body_bytes = 1024, .threads = 1});
  idp.Get("/keys", [&](const http::Request&) {
    std::lock_guard lock(mu);
    ++fetches;
    return http::Response{
        .status = 200, .content_type = "application/json", .body = published, .headers = {}};
  });
  auto port = idp.Start();
  ASSERT_TRUE(port.ok());
  AuthOptions o;
  o.jwt = JwtPolicy{.issuer = "https://idp.test", .audience = "sightline"};
  o.jwks_url = "http://127.0.0.1:" + std::to_string(port.value()) + "/keys";
  o.jwks_unknown_kid_refetch = std::chrono::seconds(0);
  auto auth = Authenticator::Create(std::move(o), clock_);
  ASSERT_TRUE(auth.ok()) << auth.status().message();
  auto try_token = [&](const std::string& token) { return auth.value()->AuthenticateToken(token); };
  EXPECT_TRUE(try_token(SignJwt(rsa_, Claims()).value()).principal);
  // The provider rotates to k3: a token naming k3 makes us fetch again, once, and it verifies.
  {
    std::lock_guard lock(mu);
    published = JwksOf({other_, rsa_});
  }
  int before = fetches;
  EXPECT_TRUE(try_token(SignJwt(other_, Claims()).value()).principal);
  EXPECT_EQ(fetches, before + 1);
  EXPECT_TRUE(try_token(SignJwt(other_, Claims()).value()).principal);
  EXPECT_EQ(fetches, before + 1) << "a known key needs no fetch";
  // The endpoint down: the keys we have stay in use.
  idp.Stop();
  EXPECT_TRUE(try_token(SignJwt(rsa_, Claims()).value()).principal);
  // Start-up without the endpoint fails, saying why.
  AuthOptions down;
  down.jwt = JwtPolicy{.issuer = "https://idp.test", .audience = "sightline"};
  down.jwks_url = "http://127.0.0.1:" + std::to_string(port.value()) + "/keys";
  auto refused = Authenticator::Create(std::move(down), clock_);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("jwks_url"), std::string::npos);
}

TEST(IdentityConfig, RefusesAJwksWithoutUsableKeys) {
  std::string dir = testing::TempDir("identity-bad");
  std::ofstream(dir + "/jwks.json") << R"({"keys":[{"kty":"oct","kid":"h","k":"c2VjcmV0"}]})";
  ManualClock clock{Instant{}};
  AuthOptions o;
  o.jwt = JwtPolicy{.issuer = "i", .audience = "a"};
  o.jwks_file = dir + "/jwks.json";
  auto a = Authenticator::Create(std::move(o), clock);
  ASSERT_FALSE(a.ok());
  EXPECT_THAT(a.status().message(), HasSubstr("no usable signing key"));
}

}  // namespace
}  // namespace sightline::identity
