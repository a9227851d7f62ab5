// SHA-256 digests (OpenSSL), for bearer-token checks and store digests. Thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace sightline::crypto {

// Lower-case hex of arbitrary bytes.
std::string Hex(std::string_view bytes);

// Lower-case hex SHA-256 of data.
std::string Sha256Hex(std::string_view data);

// Incremental SHA-256 for large inputs (a store dump).
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void Update(std::string_view data);
  std::string HexDigest();  // Ends the digest; call once.

 private:
  void* ctx_;
};

// Compares two strings in time independent of where they differ (for secrets).
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace sightline::crypto
