// Real on-call receivers for the notifier tests: a Prometheus Alertmanager process (Debian's
// prometheus-alertmanager) on a free loopback port, and a PagerDuty-shaped webhook endpoint (an
// HTTP server in the test process that can go down and come back); plus a sightline-notifier
// process with a config of the test's choosing.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "ops_auth.h"
#include "process.h"
#include "sightline/http/client.h"
#include "sightline/http/server.h"

namespace sightline::testing {

class Alertmanager {
 public:
  // Groups by team, notifies nobody (the test reads Alertmanager's own API).
  explicit Alertmanager(const std::string& name) : dir_(TempDir(name)), port_(FreePort()) {
    std::ofstream(dir_ + "/alertmanager.yml")
        << "route:\n  receiver: nobody\n  group_by: [team]\n  group_wait: 1s\n"
        << "  group_interval: 1s\n  repeat_interval: 1h\nreceivers:\n  - name: nobody\n";
  }
  ::testing::AssertionResult Start() {
    process_ = std::make_unique<Process>(
        std::vector<std::string>{
            "/usr/bin/prometheus-alertmanager", "--config.file=" + dir_ + "/alertmanager.yml",
            "--storage.path=" + dir_ + "/data",
            "--web.listen-address=127.0.0.1:" + std::to_string(port_), "--cluster.listen-address="},
        dir_ + "/alertmanager.log");
    bool ready = WaitFor(
        [&] {
          auto r = http::Get(url(), "/-/ready");
          return r.ok() && r.value().status == 200;
        },
        std::chrono::seconds(30));
    if (!ready)
      return ::testing::AssertionFailure()
             << "prometheus-alertmanager did not start (installed by scripts/deps.sh); see "
             << dir_;
    return ::testing::AssertionSuccess();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  nlohmann::json Get(const std::string& path) {
    auto r = OpsGet(url(), path);
    if (!r.ok() || r.value().status != 200) return nlohmann::json::array();
    return nlohmann::json::parse(r.value().body, nullptr, false);
  }
  // Active alerts by alert_id label.
  std::map<std::string, nlohmann::json> Active() {
    std::map<std::string, nlohmann::json> out;
    for (const auto& a : Get("/api/v2/alerts?active=true&silenced=false&inhibited=false"))
      out[a["labels"].value("alert_id", a["labels"].value("alertname", ""))] = a;
    return out;
  }

 private:
  std::string dir_;
  int port_;
  std::unique_ptr<Process> process_;
};

// A PagerDuty Events v2 endpoint: records every event it accepts; Down() closes the port.
class WebhookReceiver {
 public:
  WebhookReceiver() : port_(FreePort()) {}
  ~WebhookReceiver() { Down(); }
  ::testing::AssertionResult Up() {
    server_ = std::make_unique<http::Server>(http::ServerOptions{
        .host = "127.0.0.1", .port = port_, .max_body_bytes = 1 << 20, .threads = 2});
    server_->Post("/v2/enqueue", [this](const http::Request& r) {
      auto body = nlohmann::json::parse(r.body, nullptr, false);
      std::lock_guard lock(mu_);
      if (failing_) {
        return http::Response{.status = 503,
                              .content_type = "application/json",
                              .body = R"({"status":"unavailable"})",
                              .headers = {}};
      }
      events_.push_back(body);
      return http::Response{.status = 202,
                            .content_type = "application/json",
                            .body = R"({"status":"success"})",
                            .headers = {}};
    });
    auto started = server_->Start();
    if (!started.ok()) return ::testing::AssertionFailure() << started.status().message();
    return ::testing::AssertionSuccess();
  }
  void Down() {
    if (server_) server_->Stop();
    server_.reset();
  }
  // Failing: every event is answered 503 (retry later) and not recorded.
  void SetFailing(bool failing) {
    std::lock_guard lock(mu_);
    failing_ = failing;
  }
  std::vector<nlohmann::json> Events() {
    std::lock_guard lock(mu_);
    return events_;
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v2/enqueue"; }

 private:
  int port_;
  std::unique_ptr<http::Server> server_;
  std::mutex mu_;
  std::vector<nlohmann::json> events_;
  bool failing_ = false;
};

class NotifierHarness {
 public:
  // `receivers_routes_heartbeat` is the YAML of receivers, routes and heartbeat; the rest is
  // filled in for the test's topic and directory.
  NotifierHarness(const std::string& brokers, const std::string& name,
                  const std::string& alerts_topic, const std::string& receivers_routes_heartbeat,
                  int queue_max = 100000, int batch_max_events = 500,
                  const std::string& auth_extra = "", const std::string& lease_topic = "")
      : dir_(TempDir(name)) {
    std::ofstream(dir_ + "/notifier.yaml")
        << "http:\n  port: 0\n"
        << "kafka:\n  brokers: " << brokers << "\n  alerts_topic: " << alerts_topic
        << "\n  dead_letter_topic: " << alerts_topic << ".dlq\n  group_id: " << alerts_topic
        << ".notifier\n  audit_topic: " << alerts_topic << ".notifier-audit\n"
        << (lease_topic.empty()
                ? ""
                : "  lease_topic: " + lease_topic + "\n  lease_session_timeout_ms: 6000\n")
        << "store:\n  data_dir: " << dir_ << "/data\n"
        << "links:\n  triage_base_url: http://127.0.0.1:8081\n"
        << "delivery:\n  backoff_initial_ms: 100\n  backoff_max_ms: 1000\n"
        << "  undeliverable_after_seconds: 3\n  queue_max: " << queue_max << "\n"
        << "apply:\n  batch_max_events: " << batch_max_events << "\n"
        << receivers_routes_heartbeat << OpsAuthYaml(auth_extra);
    EnsureAuditTopic(brokers, alerts_topic + ".notifier-audit");
  }
  ::testing::AssertionResult Start() {
    process_ = StartWithPortFile(
        {BinDir() + "/sightline-notifier", "--config", dir_ + "/notifier.yaml"},
        dir_ + "/notifier." + std::to_string(++starts_) + ".log", dir_ + "/port", url_);
    if (!process_) return ::testing::AssertionFailure() << "notifier did not start; see " << dir_;
    return ::testing::AssertionSuccess();
  }
  void Kill() { process_->Kill(); }
  int Stop() { return process_->Stop(); }
  nlohmann::json Status() {
    auto r = OpsGet(url_, "/v1/status");
    if (!r.ok()) return nullptr;
    return nlohmann::json::parse(r.value().body, nullptr, false);
  }
  std::string Metrics() {
    auto r = http::Get(url_, "/metrics");
    return r.ok() ? r.value().body : "";
  }
  const std::string& dir() const { return dir_; }
  const std::string& base_url() const { return url_; }

 private:
  std::string dir_;
  std::string url_;
  int starts_ = 0;
  std::unique_ptr<Process> process_;
};

}  // namespace sightline::testing
