// The credential test harnesses use on the watchdog's and notifier's /v1 APIs: a service
// manager's static token, its config block and an authenticated GET.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "sightline/crypto/digest.h"
#include "sightline/http/client.h"
#include "sightline/kafka/admin.h"

namespace sightline::testing {

inline constexpr const char* kOpsToken = "test-ops-token-0123456789abcdef0123456789";

// The `auth:` block naming the ops user (to append to a service's YAML), and `extra` lines of
// that block (e.g. "  jwt: {...}\n").
inline std::string OpsAuthYaml(const std::string& extra = "") {
  return "auth:\n  tokens:\n    - {id: ops-1, role: service_manager, team: ops, token_sha256: " +
         crypto::Sha256Hex(kOpsToken) + "}\n" + extra;
}

// Creates `topic` (one partition) for a service's audit records; a test fails without it.
inline void EnsureAuditTopic(const std::string& brokers, const std::string& topic) {
  auto r = kafka::EnsureTopics(
      brokers, {}, {{.name = topic, .partitions = 1, .replication_factor = 1, .config = {}}},
      std::chrono::seconds(30));
  EXPECT_TRUE(r.ok()) << r.status().message();
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
