// Runs real sightline-projector processes against a real broker, on topics of their own, for the
// integration tests: config in a temp dir, start/kill/stop, /readyz, dumps and rebuilds.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "process.h"
#include "sightline/http/client.h"
#include "sightline/kafka/admin.h"

namespace sightline::testing {

class ProjectorHarness {
 public:
  // `users_yaml` is the access.users block (indented list) or "[]".
  // `extra_yaml`: more top-level keys (e.g. an auth block).
  ProjectorHarness(const std::string& brokers, const std::string& name, const std::string& topic,
                   const std::string& users_yaml = " []", const std::string& web_root = "",
                   const std::string& extra_yaml = "")
      : brokers_(brokers), dir_(TempDir(name)), topic_(topic) {
    std::ofstream(dir_ + "/projector.yaml")
        << "http:\n  port: 0\n  web_root: \"" << web_root << "\"\n"
        << "kafka:\n  brokers: " << brokers << "\n  topic: " << topic
        << "\n  dead_letter_topic: " << topic << ".dlq\n  audit_topic: " << topic << ".audit\n"
        << "  group_id: " << topic << ".projector\n"
        << "store:\n  data_dir: " << dir_ << "/data\n"
        << "apply:\n  batch_max_events: 500\n  ready_max_lag: 0\n"
        << "clocks:\n  calendar_file: " << SourceDir() << "/deploy/calendar/england-and-wales.txt\n"
        << "access:\n  users:" << users_yaml << "\n"
        << extra_yaml;
  }

  static ::testing::AssertionResult CreateTopics(const std::string& brokers,
                                                 const std::string& topic) {
    auto r = kafka::EnsureTopics(
        brokers, {},
        {{.name = topic, .partitions = 6, .replication_factor = 1, .config = {}},
         {.name = topic + ".dlq", .partitions = 1, .replication_factor = 1, .config = {}},
         {.name = topic + ".audit", .partitions = 1, .replication_factor = 1, .config = {}}},
        std::chrono::seconds(30));
    if (!r.ok()) return ::testing::AssertionFailure() << r.status().message();
    return ::testing::AssertionSuccess();
  }

  ::testing::AssertionResult Start() {
    process_ = StartWithPortFile(
        {BinDir() + "/sightline-projector", "--config", dir_ + "/projector.yaml"},
        dir_ + "/projector." + std::to_string(++starts_) + ".log", dir_ + "/port", url_);
    if (!process_) return ::testing::AssertionFailure() << "projector did not start; see " << dir_;
    return ::testing::AssertionSuccess();
  }

  void Kill() { process_->Kill(); }
  int Stop() { return process_->Stop(); }

  // /readyz as JSON (null when the process does not answer).
  nlohmann::json Ready() {
    auto r = http::Get(url_, "/readyz");
    if (!r.ok()) return nullptr;
    return nlohmann::json::parse(r.value().body, nullptr, false);
  }
  bool WaitCaughtUp(std::chrono::seconds timeout) {
    return WaitFor(
        [&] {
          auto j = Ready();
          return j.is_object() && j["ready"] == true;
        },
        timeout);
  }
  // Each partition's applied offset (the next to apply), from /readyz; empty when it does not
  // answer.
  std::map<std::int32_t, std::int64_t> Applied() {
    std::map<std::int32_t, std::int64_t> applied;
    auto j = Ready();
    if (j.is_object())
      for (const auto& p : j["partitions"])
        applied[p["partition"].get<std::int32_t>()] = p["applied_next"].get<std::int64_t>();
    return applied;
  }
  // Until every partition in `ends` (partition -> offset after the last record the test wrote)
  // has been applied. /readyz alone cannot say so: it compares with watermarks it last fetched,
  // which may predate the test's last writes.
  bool WaitApplied(const std::map<std::int32_t, std::int64_t>& ends, std::chrono::seconds timeout) {
    return WaitFor(
        [&] {
          std::map<std::int32_t, std::int64_t> applied = Applied();
          for (const auto& [partition, end] : ends)
            if (applied[partition] < end) return false;
          return true;
        },
        timeout);
  }
  std::int64_t AppliedOffsets() {
    std::int64_t sum = 0;
    for (const auto& [partition, next] : Applied()) sum += next;
    return sum;
  }

  // `sightline-projector <args>` to completion with this config; output in `out`.
  int Command(const std::vector<std::string>& args, std::string& out) {
    std::vector<std::string> argv = {BinDir() + "/sightline-projector", "--config",
                                     dir_ + "/projector.yaml"};
    argv.insert(argv.end(), args.begin(), args.end());
    std::string log = dir_ + "/command.log";
    int rc = Run(argv, log);
    std::ifstream in(log);
    std::stringstream text;
    text << in.rdbuf();
    out = text.str();
    return rc;
  }
  // The projection digest ("sha256 ..." and row counts), or "" on failure.
  std::string Digest() {
    std::string out;
    if (Command({"dump"}, out) != 0) return "dump failed: " + out;
    std::string digest;
    std::istringstream lines(out);
    for (std::string line; std::getline(lines, line);)
      if (line.rfind("sha256 ", 0) == 0 || line.rfind("rows ", 0) == 0) digest += line + "\n";
    return digest;
  }

  const std::string& url() const { return url_; }
  Process& process() { return *process_; }
  const std::string& dir() const { return dir_; }

 private:
  std::string brokers_;
  std::string dir_;
  std::string topic_;
  std::string url_;
  int starts_ = 0;
  std::unique_ptr<Process> process_;
};

}  // namespace sightline::testing
