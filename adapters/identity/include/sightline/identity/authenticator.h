// Authenticates the caller at any HTTP door (ADR 0009): a bearer credential is either a JWT from
// the council's identity provider (verified against its JWKS, re-read when the file changes, so
// keys rotate without a restart) or a static token for system clients, kept only as its SHA-256.
// Thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "sightline/clock/clock.h"
#include "sightline/http/server.h"
#include "sightline/identity/jwt.h"
#include "sightline/identity/principal.h"

namespace sightline::identity {

class VerifiedTokens;

// Static tokens must be at least this long (sightlinectl token new makes 43 characters: 256
// bits); a shorter one is refused before it is hashed.
inline constexpr std::size_t kMinStaticTokenLength = 32;

struct StaticToken {
  Principal principal;
  std::string token_sha256;  // 64 lower-case hex digits.
};

struct AuthOptions {
  std::vector<StaticToken> tokens;
  // A YAML file with more static tokens (`tokens:` in the same form), read at start-up; it must
  // not be readable by group or others (mode 0600), since it says who may do what.
  std::string tokens_file;
  std::optional<JwtPolicy> jwt;  // When set, jwks_file or jwks_url must give the provider's keys.
  std::string jwks_file;
  std::chrono::seconds jwks_recheck{30};  // How often the file's modification time is looked at.
  // Or the provider's JWKS endpoint (https://, or http:// on loopback), fetched at start-up
  // (which fails without it) and again every jwks_refresh; a failed fetch keeps the keys we
  // have. A token naming a key we do not know triggers a fetch too, at most every 30 s.
  std::string jwks_url;
  std::string jwks_ca_file;  // The CA of the JWKS endpoint's certificate (empty: the system's).
  std::chrono::seconds jwks_refresh{300};
  std::chrono::seconds jwks_unknown_kid_refetch{30};  // Least time between early fetches.
  // JWTs kept once verified (by their SHA-256, for the key set that verified them), so a reader's
  // every request does not check the same signature again; 0 checks every time.
  std::size_t verified_tokens_kept = 10000;
  // Start with no credential at all (every call then gets 401). Off by default: a service that
  // nobody can call is usually a mistake in its config.
  bool allow_none = false;
};

struct AuthResult {
  std::optional<Principal> principal;
  std::string reason;       // Why not (safe to show and audit).
  std::string fingerprint;  // First 12 hex digits of the credential's SHA-256, for the audit.
};

class Authenticator {
 public:
  // Fails when the JWKS file cannot be read or holds no usable key.
  static StatusOr<std::unique_ptr<Authenticator>> Create(AuthOptions options, const Clock& clock);
  ~Authenticator();
  Authenticator(const Authenticator&) = delete;
  Authenticator& operator=(const Authenticator&) = delete;

  AuthResult Authenticate(const http::Request& request) const;
  AuthResult AuthenticateToken(const std::string& token) const;

  // JWT signatures checked so far: a token kept verified is not checked again.
  std::uint64_t signatures_checked() const { return signatures_checked_.load(); }
  // The 401 answer for a failed result, with WWW-Authenticate.
  static http::Response Refusal(const AuthResult& result);

 private:
  Authenticator(AuthOptions options, const Clock& clock);
  AuthResult VerifyToken(const std::string& token, const std::string& digest) const;
  // The keys to check a token against; `kid` unknown to them may trigger a fetch (URL only).
  std::shared_ptr<const KeySet> Keys(const std::string& kid) const;
  // Reads the keys from the file or URL, changing nothing.
  struct Loaded {
    std::shared_ptr<const KeySet> keys;
    std::filesystem::file_time_type mtime;  // Of the file; unset for a URL.
  };
  StatusOr<Loaded> Load() const;
  Status Reload() const;  // Load, then use them (under mu_, or before anyone else can call).

  AuthOptions options_;
  const Clock& clock_;
  mutable std::mutex mu_;
  mutable std::shared_ptr<const KeySet> keys_;
  mutable std::chrono::steady_clock::time_point checked_;
  mutable std::filesystem::file_time_type loaded_mtime_;
  mutable std::chrono::steady_clock::time_point fetched_;
  std::unique_ptr<VerifiedTokens> verified_;
  mutable std::atomic<std::uint64_t> signatures_checked_{0};
};

}  // namespace sightline::identity
