// A bearer token as every client sends one: VerifyJwt (jwt.h) against a fixed key set. Any bytes
// are accepted or refused with a reason, never a crash. And a token has one spelling (ADR 0009's
// addendum): the fuzzer holds no private key, so the only tokens it may see accepted are the
// signed seeds below (also its corpus, fuzz/corpus/jwt/), byte for byte. A spare character,
// padding or other unused bits that still verified would trap.
//
// The key set is public keys only, made once for this target; their private halves were never
// kept. The seeds expire in 2100.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "sightline/identity/jwt.h"

namespace {

constexpr const char* kJwks =
    "{\"keys\":[{\"alg\":\"RS256\",\"e\":\"AQAB\",\"kid\":\"fuzz-rsa\",\"kty\":\"RSA\",\"n\":"
    "\"lfqmFqgvgiN-dUm1v8msdt07wG4vSbgfJSltb1XFJbAHtexofSkxkude2hXjHq8xN1_J3dcHQ0bLNSGm3NDNfD"
    "8yy3xs8Sx2mnW8dKqzi_BdyfiE7_KStnohU1vblryhF1gwLCE57ziqnGb90TkxVYFcGex8uRnkTdKE0OuSLNN9Lp"
    "ttBnS2fJ3TaA9f5RjmAch889iQAca5tbPJm1QKn9wHNzJtzanKvc7U8Gs8QeHeqH7B65kIhqXSEtQq78h3gsO6Tt"
    "FBHOssPgUwmMrC2tszX2lG2Fkav7YumDWI71zMPIswTlVeSX6n2OhgtY65Zpd9QlLirXYLM28gzzTCRw\",\"use"
    "\":\"sig\"},{\"alg\":\"ES256\",\"crv\":\"P-256\",\"kid\":\"fuzz-ec\",\"kty\":\"EC\",\"us"
    "e\":\"sig\",\"x\":\"QmTmE7VFx6eME9tptfGnQ39d_BeY7dh3UxrMY2V-wgQ\",\"y\":\"pCCxSvrfz_2YkX"
    "Q2yDC-4I3yMLJfxNRjqQleHKoCnTA\"}]}";

constexpr std::string_view kSeeds[] = {
    "eyJhbGciOiJSUzI1NiIsImtpZCI6ImZ1enotcnNhIiwidHlwIjoiSldUIn0.eyJpc3MiOiJodHRwczovL2lkcC5m"
    "dXp6IiwiYXVkIjoic2lnaHRsaW5lIiwic3ViIjoidG0tNyIsImV4cCI6NDEwMjQ0NDgwMCwic2lnaHRsaW5lX3Jv"
    "bGUiOiJ0ZWFtX21hbmFnZXIiLCJzaWdodGxpbmVfdGVhbSI6InRlYW0tMiJ9.IE6mk2ApBOf9cxwuJB1u-HmHL-I"
    "iCZUNPoeu6kTW7tCS2d2K9dlan2bE2097gzj2zW2a2O_9bD3W1RbyyTQxGww8xtm83pWqx9O860PfInax2oUnr20"
    "0wb7EDBxfABSHwtGfuX4qJ7O6njQoJ96NVvuMtxb1xan96hkOaG6OIz9haPUJKdDVq7ZMvGdb3QmDzxMG16vW4DA"
    "PR2ojr8lB4yj89cUY0ywqvTrvA4n6XP154Xnmj6Avrqbyap9vN1kTLaNvJZS5TpTwmYvpljBFopBQl3TGOW2e0jp"
    "1wpsT-U8ubTPl-IR7HoyD5uJ1d7p05j9zwyPFrGwzCKaJJVOHLg",
    "eyJhbGciOiJSUzI1NiIsImtpZCI6ImZ1enotcnNhIiwidHlwIjoiSldUIn0.eyJpc3MiOiJodHRwczovL2lkcC5m"
    "dXp6IiwiYXVkIjpbIngiLCJzaWdodGxpbmUiXSwic3ViIjoicG9saWNlLWZlZWQiLCJleHAiOjQxMDI0NDQ4MDAs"
    "Im5iZiI6MTcwMDAwMDAwMCwic2lnaHRsaW5lX2FnZW5jeSI6IkFHRU5DWV9QT0xJQ0UifQ.AxSqrsXKwDKBA-Z7S"
    "OTgjrjRIwO6bWOluB9Rt2L28i1c7NTnva3EUNVV8eXuNUTKWEWSS5L3F10H6ZWbiBftYdyu3_8jyv5Y8Np3TO8IX"
    "Yteaz5tiRqT7VWpKHjA-fqEZJOICzagbWfVPA0UQvexNEoEJu8Kudtc1CHu8sbU2ksu8unHKMZVBYef8LmTWZsnB"
    "fHjBgOlJQgYSJZEwDIZNf277wJmTZiNjwxUa5a9gKLMIpfbXZYjb_91i-UWb6Dj8jc7BqZ7JI0jC_cD1pS7toQnm"
    "PV5WELQrQc-wxZAFoDnxRdoulgNMRfcAUqqcUAPtC_YhEI3I3pi-Pb6shIBXQ",
    "eyJhbGciOiJFUzI1NiIsImtpZCI6ImZ1enotZWMiLCJ0eXAiOiJKV1QifQ.eyJpc3MiOiJodHRwczovL2lkcC5md"
    "Xp6IiwiYXVkIjoic2lnaHRsaW5lIiwic3ViIjoidG0tNyIsImV4cCI6NDEwMjQ0NDgwMCwic2lnaHRsaW5lX3Jvb"
    "GUiOiJ0ZWFtX21hbmFnZXIiLCJzaWdodGxpbmVfdGVhbSI6InRlYW0tMiJ9.OSjv_rjHqydYTAYZw1izleeEmG_q"
    "sIFGTdPinFRZVeDpmQyYxmhbf4gejmU8jFrhbEF-EZup9_iMpq_YkilJvg",
    "eyJhbGciOiJFUzI1NiIsImtpZCI6ImZ1enotZWMiLCJ0eXAiOiJKV1QifQ.eyJpc3MiOiJodHRwczovL2lkcC5md"
    "Xp6IiwiYXVkIjpbIngiLCJzaWdodGxpbmUiXSwic3ViIjoicG9saWNlLWZlZWQiLCJleHAiOjQxMDI0NDQ4MDAsI"
    "m5iZiI6MTcwMDAwMDAwMCwic2lnaHRsaW5lX2FnZW5jeSI6IkFHRU5DWV9QT0xJQ0UifQ.gv1LCPS76fpavRx-Df"
    "EuiEWB1_NO2X8n_inBD6Qx359mq3p3gLBwwnkXgCORm4rkKmy0fDZbOgQoWmi0cvWltA",
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace id = sightline::identity;
  static const auto keys = id::KeySet::Parse(kJwks).value();
  static const id::JwtPolicy policy{.issuer = "https://idp.fuzz", .audience = "sightline"};
  static const sightline::Instant now{std::chrono::seconds(1'795'000'000)};  // 2026-11-18
  if (keys->size() != 2) __builtin_trap();  // The fixture itself is broken.
  std::string_view token(reinterpret_cast<const char*>(data), size);
  id::JwtValidity validity;
  auto principal = id::VerifyJwt(token, *keys, policy, now, &validity);
  if (!principal.ok()) {
    if (principal.status().message().empty()) __builtin_trap();  // A refusal must say why.
    return 0;
  }
  for (std::string_view seed : kSeeds)
    if (token == seed) return 0;
  __builtin_trap();  // Accepted a spelling that nobody signed.
}
