#include "sightline/crypto/digest.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <memory>
#include <stdexcept>

namespace sightline::crypto {
namespace {

EVP_MD_CTX* Ctx(void* p) { return static_cast<EVP_MD_CTX*>(p); }

// SHA-256 fetched from OpenSSL's providers once for the process. Passing EVP_sha256() instead
// makes every digest look the algorithm up again (OpenSSL 3's implicit fetch), which cost more
// than hashing a small event. Never freed: it lives as long as the process.
const EVP_MD* Sha256Md() {
  static const EVP_MD* const md = [] {
    EVP_MD* fetched = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    // Without SHA-256 in the default provider nothing here can work.
    if (fetched == nullptr) throw std::runtime_error("SHA-256 unavailable");
    return fetched;
  }();
  return md;
}

}  // namespace

std::string Hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
  // Allocation failure here means the process is out of memory: nothing sensible to return.
  if (!ctx_ || EVP_DigestInit_ex(Ctx(ctx_), Sha256Md(), nullptr) != 1)
    throw std::runtime_error("SHA-256 unavailable");
}
Sha256::~Sha256() { EVP_MD_CTX_free(Ctx(ctx_)); }

void Sha256::Update(std::string_view data) {
  EVP_DigestUpdate(Ctx(ctx_), data.data(), data.size());
}

std::string Sha256::HexDigest() {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_DigestFinal_ex(Ctx(ctx_), md, &n);
  return Hex(std::string_view(reinterpret_cast<const char*>(md), n));
}

std::string Sha256Hex(std::string_view data) {
  // One context per thread, reset by each digest, rather than one allocated per digest.
  struct Free {
    void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
  };
  thread_local const std::unique_ptr<EVP_MD_CTX, Free> ctx(EVP_MD_CTX_new());
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (!ctx || EVP_DigestInit_ex(ctx.get(), Sha256Md(), nullptr) != 1 ||
      EVP_DigestUpdate(ctx.get(), data.data(), data.size()) != 1 ||
      EVP_DigestFinal_ex(ctx.get(), md, &n) != 1)
    throw std::runtime_error("SHA-256 failed");
  return Hex(std::string_view(reinterpret_cast<const char*>(md), n));
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace sightline::crypto
