// The credential test harnesses use on the watchdog's and notifier's /v1 APIs: a service
// manager's static token, its config block and an authenticated GET.
#pragma once

#include <string>

#include "sightline/crypto/digest.h"
#include "sightline/http/client.h"

namespace sightline::testing {

inline constexpr const char* kOpsToken = "test-ops-token-0123456789abcdef0123456789";

// The `auth:` block naming the ops user (to append to a service's YAML).
inline std::string OpsAuthYaml() {
  return "auth:\n  tokens:\n    - {id: ops-1, role: service_manager, team: ops, token_sha256: " +
         crypto::Sha256Hex(kOpsToken) + "}\n";
}

inline StatusOr<http::ClientResponse> OpsGet(const std::string& url, const std::string& path) {
  return http::Send(url, {.method = "GET",
                          .path = path,
                          .body = {},
                          .content_type = {},
                          .headers = {{"Authorization", std::string("Bearer ") + kOpsToken}},
                          .timeout = std::chrono::seconds(10)});
}

}  // namespace sightline::testing
