// Runs real sightline-watchdog processes against a real broker, on topics of their own, with a
// simulated clock (--simulated-clock-file): the test sets the time and waits until the watchdog
// has ticked at it (and drained its outbox).
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "ops_auth.h"
#include "process.h"
#include "sightline/alerts/v1/alerts.pb.h"
#include "sightline/domain/events/validation.h"
#include "sightline/http/client.h"
#include "sightline/kafka/admin.h"
#include "sightline/kafka/producer.h"
#include "sightline/kafka/reader.h"

namespace sightline::testing {

class WatchdogHarness {
 public:
  WatchdogHarness(const std::string& brokers, const std::string& name, const std::string& topic,
                  const std::string& alerts_topic, const std::string& auth_extra = "",
                  const std::string& lease_topic = "")
      : dir_(TempDir(name)) {
    std::ofstream(dir_ + "/watchdog.yaml")
        << "http:\n  port: 0\n"
        << "kafka:\n  brokers: " << brokers << "\n  topic: " << topic
        << "\n  alerts_topic: " << alerts_topic << "\n  dead_letter_topic: " << topic
        << ".dlq\n  group_id: " << alerts_topic << ".watchdog\n  audit_topic: " << alerts_topic
        << ".audit\n"
        << (lease_topic.empty()
                ? ""
                : "  lease_topic: " + lease_topic + "\n  lease_session_timeout_ms: 6000\n")
        << "store:\n  data_dir: " << dir_ << "/data\n"
        << "policy_file: " << SourceDir() << "/deploy/watchdog-policy.yaml\n"
        << "apply:\n  batch_max_events: 300\n  tick_ms: 50\n"
        << OpsAuthYaml(auth_extra);
    EnsureAuditTopic(brokers, alerts_topic + ".audit");
  }

  // `partitions` 1 for a lease topic (ADR 0022).
  static ::testing::AssertionResult CreateTopics(const std::string& brokers,
                                                 const std::vector<std::string>& topics,
                                                 int partitions = 3) {
    std::vector<kafka::TopicSpec> specs;
    for (const auto& t : topics)
      specs.push_back({.name = t, .partitions = partitions, .replication_factor = 1, .config = {}});
    auto r = kafka::EnsureTopics(brokers, {}, specs, std::chrono::seconds(30));
    if (!r.ok()) return ::testing::AssertionFailure() << r.status().message();
    return ::testing::AssertionSuccess();
  }

  void SetClock(Instant t) {
    std::string tmp = dir_ + "/clock.tmp";
    std::ofstream(tmp)
        << std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count() << "\n";
    std::rename(tmp.c_str(), (dir_ + "/clock").c_str());
  }

  // simulated: the clock is the file SetClock writes; otherwise the real one.
  ::testing::AssertionResult Start(bool simulated = true) {
    std::vector<std::string> argv = {BinDir() + "/sightline-watchdog", "--config",
                                     dir_ + "/watchdog.yaml"};
    if (simulated) {
      argv.push_back("--simulated-clock-file");
      argv.push_back(dir_ + "/clock");
    }
    process_ = StartWithPortFile(argv, dir_ + "/watchdog." + std::to_string(++starts_) + ".log",
                                 dir_ + "/port", url_);
    if (!process_) return ::testing::AssertionFailure() << "watchdog did not start; see " << dir_;
    return ::testing::AssertionSuccess();
  }
  void Kill() { process_->Kill(); }
  int Stop() { return process_->Stop(); }

  nlohmann::json Status() {
    auto r = OpsGet(url_, "/v1/status");
    if (!r.ok()) return nullptr;
    return nlohmann::json::parse(r.value().body, nullptr, false);
  }
  // Waits until the watchdog has ticked at `t` or later, caught up, with its outbox drained.
  bool WaitTicked(Instant t, std::chrono::seconds timeout) {
    auto want = std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
    return WaitFor(
        [&] {
          auto j = Status();
          return j.is_object() && j["horizon_unix"].get<std::int64_t>() >= want;
        },
        timeout);
  }
  nlohmann::json Get(const std::string& path) {
    auto r = OpsGet(url_, path);
    if (!r.ok()) return nullptr;
    return nlohmann::json::parse(r.value().body, nullptr, false);
  }
  // "deadlines_sha256 ..." and "open_clocks N" from `sightline-watchdog dump` (stopped).
  std::string Digest() {
    std::string log = dir_ + "/dump.log";
    int rc =
        Run({BinDir() + "/sightline-watchdog", "--config", dir_ + "/watchdog.yaml", "dump"}, log);
    std::ifstream in(log);
    std::stringstream text;
    text << in.rdbuf();
    std::string out;
    std::istringstream lines(text.str());
    for (std::string line; std::getline(lines, line);)
      if (line.rfind("deadlines_sha256 ", 0) == 0 || line.rfind("open_clocks ", 0) == 0)
        out += line + "\n";
    return rc == 0 ? out : "dump failed: " + text.str();
  }
  const std::string& dir() const { return dir_; }
  const std::string& url() const { return url_; }

 private:
  std::string dir_;
  std::string url_;
  int starts_ = 0;
  std::unique_ptr<Process> process_;
};

// Every alert event on the topic, in topic order per partition.
inline std::vector<alerts::v1::AlertEvent> ReadAlerts(const std::string& brokers,
                                                      const std::string& topic) {
  std::vector<alerts::v1::AlertEvent> out;
  auto records = kafka::ReadTopic(brokers, {}, topic, std::chrono::seconds(30));
  EXPECT_TRUE(records.ok()) << records.status().message();
  if (!records.ok()) return out;
  for (const auto& r : records.value()) {
    alerts::v1::AlertEvent e;
    EXPECT_TRUE(e.ParseFromString(r.value));
    EXPECT_EQ(r.key, e.child_id());
    out.push_back(std::move(e));
  }
  return out;
}

inline ::testing::AssertionResult Produce(kafka::Producer& producer, const std::string& topic,
                                          const std::vector<events::v1::Envelope>& events) {
  std::vector<kafka::OutboundMessage> messages;
  for (const auto& e : events) messages.push_back({topic, e.child_id(), e.SerializeAsString(), {}});
  for (std::size_t i = 0; i < messages.size(); i += 1000) {
    std::size_t n = std::min<std::size_t>(1000, messages.size() - i);
    for (const auto& d : producer.SendAndWait(std::span(messages).subspan(i, n))) {
      if (!d.status.ok()) return ::testing::AssertionFailure() << d.status.message();
    }
  }
  return ::testing::AssertionSuccess();
}

}  // namespace sightline::testing
