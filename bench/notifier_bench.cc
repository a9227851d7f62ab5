// Notifier throughput against a real broker: alert events consumed, queued durably (RocksDB,
// fsync) and delivered to a PagerDuty-shaped webhook, per second; next to the rate of the same
// POSTs sent straight to the same endpoint (the ceiling), and their ratio. Run by `make bench`
// (scripts/bench.sh), which starts a private broker. Numbers only: nothing here asserts a time.
#include <CLI/CLI.hpp>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>

#include "sightline/alerts/v1/alerts.pb.h"
#include "sightline/crypto/digest.h"
#include "sightline/domain/events/validation.h"
#include "sightline/http/client.h"
#include "sightline/http/server.h"
#include "sightline/kafka/admin.h"
#include "sightline/kafka/producer.h"

using namespace sightline;
using Clock = std::chrono::steady_clock;

namespace {

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

alerts::v1::AlertEvent Raised(int i) {
  alerts::v1::AlertEvent e;
  std::string child = "bench-child" + std::to_string(i % 500);
  e.set_clock_id("contact-decision/" + child + "/ev-" + std::to_string(i));
  e.set_alert_id(e.clock_id() + "/L1");
  e.set_event_id(e.alert_id() + "/raised");
  e.set_step(alerts::v1::STEP_RAISED);
  e.set_child_id(child);
  e.set_rule_id("contact-decision");
  e.set_team_id("mash");
  e.set_level(1);
  e.set_level_role("team_manager");
  auto now = ToTimestamp(std::chrono::system_clock::now());
  *e.mutable_due_at() = now;
  *e.mutable_at() = now;
  *e.mutable_emitted_at() = now;
  return e;
}

}  // namespace

int main(int argc, char** argv) {
  std::string brokers, bin_dir, work;
  int alerts = 3000;
  CLI::App app{"Notifier throughput vs. direct POSTs to the same webhook"};
  app.add_option("--brokers", brokers)->required();
  app.add_option("--bin-dir", bin_dir)->required();
  app.add_option("--work-dir", work)->required();
  app.add_option("--alerts", alerts)->check(CLI::Range(1, 1000000));
  CLI11_PARSE(app, argc, argv);

  std::atomic<long> received{0};
  http::Server sink({.host = "127.0.0.1", .port = 0, .max_body_bytes = 1 << 20, .threads = 4});
  sink.Post("/v2/enqueue", [&](const http::Request&) {
    ++received;
    return http::Response{.status = 202,
                          .content_type = "application/json",
                          .body = R"({"status":"success"})",
                          .headers = {}};
  });
  auto port = sink.Start();
  if (!port.ok()) return std::cerr << port.status().message() << "\n", 1;
  std::string base = "http://127.0.0.1:" + std::to_string(port.value());

  std::string topic = "bench.alerts." + std::to_string(getpid());
  auto created = kafka::EnsureTopics(
      brokers, {},
      {{.name = topic, .partitions = 6, .replication_factor = 1, .config = {}},
       {.name = topic + ".dlq", .partitions = 1, .replication_factor = 1, .config = {}}},
      std::chrono::seconds(30));
  if (!created.ok()) return std::cerr << created.status().message() << "\n", 1;
  std::vector<kafka::OutboundMessage> messages;
  for (int i = 0; i < alerts; ++i) {
    auto e = Raised(i);
    messages.push_back({topic, e.child_id(), e.SerializeAsString(), {}});
  }
  auto producer = kafka::Producer::Create({.brokers = brokers, .properties = {}});
  if (!producer.ok()) return std::cerr << producer.status().message() << "\n", 1;
  for (const auto& d : producer.value()->SendAndWait(messages))
    if (!d.status.ok()) return std::cerr << d.status.message() << "\n", 1;

  // The ceiling: the same number of POSTs straight to the sink, one connection each (as the
  // notifier makes them).
  auto t0 = Clock::now();
  for (int i = 0; i < alerts; ++i) {
    auto r = http::Post(base, "/v2/enqueue", messages[static_cast<std::size_t>(i)].value,
                        "application/json");
    if (!r.ok()) return std::cerr << r.status().message() << "\n", 1;
  }
  double direct_s = Seconds(t0);
  received = 0;

  std::ofstream(work + "/notifier.yaml")
      << "http: {port: 0}\n"
      << "kafka: {brokers: \"" << brokers << "\", alerts_topic: " << topic
      << ", dead_letter_topic: " << topic << ".dlq, group_id: " << topic << ".notifier}\n"
      << "store: {data_dir: \"" << work << "/notifier\"}\n"
      << "receivers:\n  - {name: hook, kind: webhook, url: \"" << base
      << "/v2/enqueue\", routing_key: bench}\n"
      << "routes:\n  - {receivers: [hook]}\n"
      // The notifier's /v1 API needs a credential configured; the bench never calls it.
      << "auth:\n  tokens:\n    - {id: bench, role: service_manager, token_sha256: "
      << crypto::Sha256Hex("bench-" + std::to_string(getpid()) + "-unused-token") << "}\n";
  std::string cmd = "exec " + bin_dir + "/sightline-notifier --config " + work +
                    "/notifier.yaml > " + work + "/notifier.log 2>&1 & echo $! > " + work +
                    "/notifier.pid";
  t0 = Clock::now();
  if (std::system(cmd.c_str()) != 0) return std::cerr << "could not start the notifier\n", 1;
  while (received < alerts && Seconds(t0) < 600)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  double notify_s = Seconds(t0);
  long pid = 0;
  std::ifstream(work + "/notifier.pid") >> pid;
  if (pid > 0) kill(static_cast<pid_t>(pid), SIGTERM);
  sink.Stop();
  if (received < alerts)
    return std::cerr << "only " << received << " of " << alerts << " delivered; see " << work
                     << "/notifier.log\n",
           1;

  double n = static_cast<double>(alerts);
  std::printf("alerts                  %d raised, one webhook receiver (PagerDuty shape)\n",
              alerts);
  std::printf("direct POSTs (ceiling)  %8.0f /s  (%.2f s)\n", n / direct_s, direct_s);
  std::printf(
      "notifier end to end     %8.0f /s  (%.2f s: start-up, consume, fsync'd queue, "
      "POST, delete)\n",
      n / notify_s, notify_s);
  std::printf("ratio notifier/ceiling  %.3f\n", direct_s / notify_s);
  return 0;
}
