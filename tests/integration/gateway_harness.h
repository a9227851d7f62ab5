// Runs a real sightline-gateway process against a real broker, on a topic of its own, for the
// integration tests. The topic name is unique per harness so tests never see each other's events.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <memory>
#include <string>

#include "process.h"
#include "sightline/crypto/digest.h"
#include "sightline/http/client.h"
#include "sightline/kafka/admin.h"
#include "sightline/kafka/reader.h"

namespace sightline::testing {

class GatewayHarness {
 public:
  // heartbeat_seconds 0: no pipeline heartbeats, so the topic holds only what a test posts.
  // `auth_extra`: more of the auth block (e.g. "  jwt: {...}\n").
  GatewayHarness(const std::string& brokers, const std::string& name, int produce_timeout_ms,
                 int heartbeat_seconds = 0, const std::string& auth_extra = "")
      : brokers_(brokers), dir_(TempDir(name)) {
    static int counter = 0;
    topic_ = "test." + name + "." + std::to_string(getpid()) + "." + std::to_string(++counter);
    std::ofstream(dir_ + "/gateway.yaml")
        << "http:\n  port: 0\n  max_body_bytes: 65536\n"
        << "kafka:\n  brokers: " << brokers << "\n  topic: " << topic_
        << "\n  audit_topic: " << topic_ << ".audit"
        << "\n  produce_timeout_ms: " << produce_timeout_ms << "\n"
        << "validation:\n  max_batch_events: 50\n"
        << "store:\n  data_dir: " << dir_ << "/ids\n"
        << "heartbeat:\n  interval_seconds: " << heartbeat_seconds << "\n"
        << "auth:\n  tokens:\n"
        << "    - {id: importer, relay: true, token_sha256: " << crypto::Sha256Hex(kRelayToken)
        << "}\n"
        << auth_extra;
  }

  // A relay's token: it may send any event, for the staff the event names.
  static constexpr const char* kRelayToken = "harness-relay-token-0123456789abcdef";

  ::testing::AssertionResult CreateTopic() {
    auto r = kafka::EnsureTopics(
        brokers_, {},
        {{.name = topic_, .partitions = 3, .replication_factor = 1, .config = {}},
         {.name = topic_ + ".audit", .partitions = 1, .replication_factor = 1, .config = {}}},
        std::chrono::seconds(30));
    if (!r.ok()) return ::testing::AssertionFailure() << r.status().message();
    return ::testing::AssertionSuccess();
  }

  ::testing::AssertionResult Start() {
    process_ =
        StartWithPortFile({BinDir() + "/sightline-gateway", "--config", dir_ + "/gateway.yaml"},
                          dir_ + "/gateway.log", dir_ + "/port", url_);
    if (!process_) return ::testing::AssertionFailure() << "gateway did not start; see " << dir_;
    return ::testing::AssertionSuccess();
  }

  http::ClientResponse Post(const std::string& body, const std::string& type = "application/json",
                            const std::string& token = kRelayToken) {
    std::map<std::string, std::string> headers;
    if (!token.empty()) headers["Authorization"] = "Bearer " + token;
    auto r = http::Send(url_, {.method = "POST",
                               .path = "/v1/events",
                               .body = body,
                               .content_type = type,
                               .headers = headers,
                               .timeout = std::chrono::seconds(60)});
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? r.value() : http::ClientResponse{};
  }
  http::ClientResponse Get(const std::string& path) {
    auto r = http::Get(url_, path);
    return r.ok()
               ? r.value()
               : http::ClientResponse{
                     .status = -1, .body = r.status().message(), .content_type = "", .headers = {}};
  }
  int GetStatus(const std::string& path) { return Get(path).status; }

  std::vector<kafka::Record> ReadAll() {
    auto r = kafka::ReadTopic(brokers_, {}, topic_, std::chrono::seconds(30));
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? r.value() : std::vector<kafka::Record>{};
  }

  std::vector<kafka::Record> ReadAudit() {
    auto r = kafka::ReadTopic(brokers_, {}, topic_ + ".audit", std::chrono::seconds(30));
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? r.value() : std::vector<kafka::Record>{};
  }

  Process& process() { return *process_; }
  const std::string& topic() const { return topic_; }
  const std::string& url() const { return url_; }

 private:
  std::string brokers_;
  std::string dir_;
  std::string topic_;
  std::string url_;
  std::unique_ptr<Process> process_;
};

// A valid contact_received event for child `child` with id `id`, occurred an hour ago.
inline std::string ContactJson(const std::string& id, const std::string& child) {
  return R"({"eventId":")" + id + R"(","childId":")" + child +
         R"(","occurredAt":"2026-11-02T09:00:00Z","actor":{"userId":"u1","role":"ROLE_MASH_PRACTITIONER","teamId":"mash"},"sourceAgency":"AGENCY_SCHOOL","refs":{"contactId":"ct-)" +
         id +
         R"("},"contactReceived":{"source":"AGENCY_SCHOOL","concerns":["CONCERN_CATEGORY_NEGLECT"]}})";
}

}  // namespace sightline::testing
