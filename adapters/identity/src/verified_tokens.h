// JWTs already verified, by their SHA-256, so that a screen's every request does not check the
// same signature again: on this machine an RS256 check costs about 27 µs and an ES256 one 67 µs,
// where reading a child's whole record costs about 56 µs (ADR 0009's addendum).
//
// Only tokens that passed every check are kept, so nobody fills the cache without the provider
// signing for them. An entry holds for the key set it was verified against only: any new set (a
// rotated file, a refetched JWKS) empties the cache. Expiry and not-before are checked again at
// every use, by the caller. Full, it is emptied: a provider's live tokens, not an attacker's,
// decide its size. Thread-safe.
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "sightline/identity/jwt.h"
#include "sightline/identity/principal.h"

namespace sightline::identity {

class VerifiedTokens {
 public:
  struct Entry {
    Principal principal;
    JwtValidity validity;
  };
  explicit VerifiedTokens(std::size_t capacity) : capacity_(capacity) {}

  // The token with this digest, if it was verified against `keys` (the very set).
  std::optional<Entry> Find(const std::string& digest, const std::shared_ptr<const KeySet>& keys);
  // Keeps a token just verified against `keys`.
  void Keep(const std::string& digest, const std::shared_ptr<const KeySet>& keys, Entry entry);

 private:
  void UseKeys(const std::shared_ptr<const KeySet>& keys);  // Under mu_.

  const std::size_t capacity_;
  std::mutex mu_;
  std::shared_ptr<const KeySet> keys_;  // Held, so no later set can reuse its address.
  std::unordered_map<std::string, Entry> entries_;
};

}  // namespace sightline::identity
