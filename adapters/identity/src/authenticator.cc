#include "sightline/identity/authenticator.h"

#include <fstream>
#include <sstream>

#include "sightline/crypto/digest.h"
#include "sightline/identity/config.h"

namespace sightline::identity {

StatusOr<std::unique_ptr<Authenticator>> Authenticator::Create(AuthOptions options,
                                                               const Clock& clock) {
  if (!options.tokens_file.empty()) {
    std::error_code ec;
    auto perms = std::filesystem::status(options.tokens_file, ec).permissions();
    if (ec)
      return InvalidArgument("auth.tokens_file '" + options.tokens_file + "': cannot read it");
    using P = std::filesystem::perms;
    if ((perms & (P::group_all | P::others_all)) != P::none)
      return InvalidArgument("auth.tokens_file '" + options.tokens_file +
                             "': readable by others; chmod 600 it");
    auto yaml = config::YamlReader::FromFile(options.tokens_file);
    if (!yaml.ok()) return yaml.status();
    AuthOptions more;
    ReadAuthOptions(yaml.value(), more, "tokens");
    if (Status s = yaml.value().Finish(); !s.ok()) return s;
    for (StaticToken& t : more.tokens) options.tokens.push_back(std::move(t));
  }
  if (options.tokens.empty() && !options.jwt && !options.allow_none)
    return InvalidArgument(
        "auth: no credential configured (auth.tokens, auth.tokens_file or auth.jwt)");
  std::unique_ptr<Authenticator> a(new Authenticator(std::move(options), clock));
  if (a->options_.jwt) {
    if (a->options_.jwt->issuer.empty() || a->options_.jwt->audience.empty())
      return InvalidArgument("jwt: issuer and audience are required");
    if (Status s = a->Reload(); !s.ok()) return s;
  }
  return a;
}

Status Authenticator::Reload() const {
  std::error_code ec;
  auto mtime = std::filesystem::last_write_time(options_.jwks_file, ec);
  if (ec) return InvalidArgument("jwt.jwks_file '" + options_.jwks_file + "': cannot read it");
  std::ifstream in(options_.jwks_file);
  std::stringstream text;
  text << in.rdbuf();
  auto keys = KeySet::Parse(text.str());
  if (!keys.ok()) return InvalidArgument("jwt.jwks_file: " + keys.status().message());
  if (keys.value()->size() == 0)
    return InvalidArgument("jwt.jwks_file: no usable signing key (" + keys.value()->skipped() +
                           ")");
  keys_ = keys.value();
  loaded_mtime_ = mtime;
  return Status::Ok();
}

std::shared_ptr<const KeySet> Authenticator::Keys() const {
  std::lock_guard lock(mu_);
  auto now = std::chrono::steady_clock::now();
  if (now - checked_ >= options_.jwks_recheck) {
    checked_ = now;
    std::error_code ec;
    auto mtime = std::filesystem::last_write_time(options_.jwks_file, ec);
    // A rotated file is taken as soon as it parses; a broken one keeps the keys we have.
    if (!ec && mtime != loaded_mtime_) Reload().IgnoreError();
  }
  return keys_;
}

AuthResult Authenticator::AuthenticateToken(const std::string& token) const {
  AuthResult r;
  std::string digest = crypto::Sha256Hex(token);
  r.fingerprint = digest.substr(0, 12);
  bool looks_like_jwt = std::count(token.begin(), token.end(), '.') == 2;
  if (looks_like_jwt && options_.jwt) {
    auto p = VerifyJwt(token, *Keys(), *options_.jwt, clock_.Now());
    if (p.ok()) {
      r.principal = p.value();
    } else {
      r.reason = "token refused: " + p.status().message();
    }
    return r;
  }
  if (token.size() < kMinStaticTokenLength) {
    r.reason = "token refused: too short to be one of ours";
    return r;
  }
  const StaticToken* found = nullptr;
  for (const StaticToken& t : options_.tokens) {
    // Compare against every token, so timing does not tell how many matched before.
    if (crypto::ConstantTimeEquals(t.token_sha256, digest)) found = &t;
  }
  if (found == nullptr) {
    r.reason = "unknown token";
    return r;
  }
  r.principal = found->principal;
  r.principal->kind = CredentialKind::kStaticToken;
  r.principal->credential = "token:" + r.fingerprint;
  return r;
}

AuthResult Authenticator::Authenticate(const http::Request& request) const {
  auto token = request.BearerToken();
  if (!token) {
    AuthResult r;
    r.reason = request.Header("authorization") ? "not a bearer credential" : "missing bearer token";
    return r;
  }
  return AuthenticateToken(*token);
}

http::Response Authenticator::Refusal(const AuthResult& result) {
  http::Response r = http::ErrorResponse(401, result.reason);
  r.headers["WWW-Authenticate"] = "Bearer realm=\"sightline\"";
  return r;
}

}  // namespace sightline::identity
