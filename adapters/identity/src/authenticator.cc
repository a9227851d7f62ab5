#include "sightline/identity/authenticator.h"

#include <fstream>
#include <sstream>

#include "sightline/core/no_wait.h"
#include "sightline/crypto/digest.h"
#include "sightline/http/client.h"
#include "sightline/identity/config.h"
#include "verified_tokens.h"

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

Authenticator::Authenticator(AuthOptions options, const Clock& clock)
    : options_(std::move(options)),
      clock_(clock),
      verified_(std::make_unique<VerifiedTokens>(options_.verified_tokens_kept)) {}

Authenticator::~Authenticator() = default;

StatusOr<Authenticator::Loaded> Authenticator::Load() const {
  std::string text;
  std::string what;
  std::filesystem::file_time_type mtime{};
  if (!options_.jwks_url.empty()) {
    what = "jwt.jwks_url";
    const std::string& url = options_.jwks_url;
    std::size_t path_at =
        url.find('/', url.find("://") == std::string::npos ? 0 : url.find("://") + 3);
    std::string base = path_at == std::string::npos ? url : url.substr(0, path_at);
    std::string path = path_at == std::string::npos ? "/" : url.substr(path_at);
    auto got = http::Send(base, {.method = "GET",
                                 .path = path,
                                 .body = {},
                                 .content_type = {},
                                 .headers = {{"Accept", "application/json"}},
                                 .timeout = std::chrono::seconds(5),
                                 .ca_file = options_.jwks_ca_file});
    if (!got.ok()) return Unavailable(what + " '" + url + "': " + got.status().message());
    if (got.value().status != 200)
      return Unavailable(what + " '" + url + "': HTTP " + std::to_string(got.value().status));
    text = std::move(got.value().body);
  } else {
    what = "jwt.jwks_file";
    std::error_code ec;
    mtime = std::filesystem::last_write_time(options_.jwks_file, ec);
    if (ec) return InvalidArgument(what + " '" + options_.jwks_file + "': cannot read it");
    std::ifstream in(options_.jwks_file);
    std::stringstream buffer;
    buffer << in.rdbuf();
    text = buffer.str();
  }
  auto keys = KeySet::Parse(text);
  if (!keys.ok()) return InvalidArgument(what + ": " + keys.status().message());
  if (keys.value()->size() == 0)
    return InvalidArgument(what + ": no usable signing key (" + keys.value()->skipped() + ")");
  return Loaded{keys.value(), mtime};
}

Status Authenticator::Reload() const {
  fetched_ = std::chrono::steady_clock::now();
  auto loaded = Load();
  if (!loaded.ok()) return loaded.status();
  keys_ = loaded.value().keys;
  loaded_mtime_ = loaded.value().mtime;
  return Status::Ok();
}

std::shared_ptr<const KeySet> Authenticator::Keys(const std::string& kid) const {
  std::unique_lock lock(mu_);
  auto now = std::chrono::steady_clock::now();
  if (!options_.jwks_url.empty()) {
    // Refreshed on schedule, or early (at most every jwks_unknown_kid_refetch) for a key we have
    // not seen: the provider has rotated. One caller fetches, outside the lock, so the others go
    // on with the keys we have (which a failed fetch also keeps).
    bool due = now - fetched_ >= options_.jwks_refresh;
    bool unknown =
        !kid.empty() && !keys_->Has(kid) && now - fetched_ >= options_.jwks_unknown_kid_refetch;
    if (!due && !unknown) return keys_;
    if (RefuseToWait()) return keys_;  // The fetch is left to an attempt that may wait.
    fetched_ = now;
    lock.unlock();
    auto loaded = Load();
    lock.lock();
    if (loaded.ok()) keys_ = loaded.value().keys;
    return keys_;
  }
  if (now - checked_ >= options_.jwks_recheck && !RefuseToWait()) {
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
    AuthResult verified = VerifyToken(token, digest);
    verified.fingerprint = r.fingerprint;
    return verified;
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

AuthResult Authenticator::VerifyToken(const std::string& token, const std::string& digest) const {
  AuthResult r;
  Instant now = clock_.Now();
  // A token verified against the keys in use needs only its times checked again. A key it does
  // not name cannot be new to them (a new set empties the cache), so no early fetch is due.
  std::shared_ptr<const KeySet> keys = Keys("");
  std::optional<VerifiedTokens::Entry> kept = verified_->Find(digest, keys);
  if (kept) {
    if (Status s = CheckJwtValidity(kept->validity, *options_.jwt, now); !s.ok()) {
      r.reason = "token refused: " + s.message();
      return r;
    }
    r.principal = std::move(kept->principal);
    return r;
  }
  // A key the set lacks may be the provider's newest: asked for by name, it may be fetched early.
  if (std::string kid = JwtKeyId(token); !keys->Has(kid)) keys = Keys(kid);
  JwtValidity validity;
  signatures_checked_.fetch_add(1);  // Counted even when refused before the signature is read.
  auto p = VerifyJwt(token, *keys, *options_.jwt, now, &validity);
  if (!p.ok()) {
    r.reason = "token refused: " + p.status().message();
    return r;
  }
  verified_->Keep(digest, keys, {.principal = p.value(), .validity = validity});
  r.principal = std::move(p).value();
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
