// sightline-watchdog: holds every clock of deploy/watchdog-policy.yaml over sightline.events.v1
// and emits the alert lifecycle to sightline.alerts.v1 (docs/adr/0005-watchdog.md).
//   serve  (default) consume, tick and serve the API until SIGINT/SIGTERM; exit 2 on a fatal
//          error (corrupted state).
//   dump   print the deadline-index digest and open clocks of the store (service stopped).
// --simulated-clock-file F makes the clock read Unix seconds from F (tests and demos only; it is a
// flag, never a config key, so no deployed config can turn it on by accident).
#include <CLI/CLI.hpp>
#include <csignal>
#include <fstream>
#include <iostream>

#include "api.h"
#include "config.h"
#include "handler.h"
#include "sightline/config/http_options.h"
#include "sightline/config/policy_file.h"
#include "sightline/consumer/connect.h"
#include "sightline/metrics/exposition.h"
#include "sightline/runtime/serve.h"

namespace {

using namespace sightline;
using namespace sightline::watchdog_service;

int Fail(const std::string& message) {
  std::cerr << "sightline-watchdog: " << message << "\n";
  return 1;
}

int Serve(const WatchdogConfig& c, const domain::ClockPolicy& policy) {
  sigset_t stop_signals = runtime::BlockStopSignals();
  auto state = WatchdogState::Open(c.data_dir, c.sync_writes, policy, true);
  if (!state.ok()) return Fail(state.status().ToString());
  auto k = consumer::Connect({.brokers = c.brokers,
                              .properties = c.kafka_properties,
                              .topic = c.topic,
                              .group_id = c.group_id,
                              .client_id = "sightline-watchdog"});
  if (!k.ok()) return Fail(k.status().ToString());
  // A deadline's alert must not be the message that looks the alerts topic up (ADR 0014).
  if (Status s = k.value().producer->Warm(c.alerts_topic, std::chrono::seconds(10)); !s.ok())
    std::cerr << "sightline-watchdog: " << s.message() << " (will retry on the first alert)\n";
  SystemClock wall;
  FileClock file_clock(c.clock_file);
  const Clock& clock = c.clock_file.empty() ? static_cast<const Clock&>(wall) : file_clock;
  WatchdogMetrics metrics;
  auto lease = consumer::OpenLease(c, c.lease, "sightline-watchdog");
  if (!lease.ok()) return Fail(lease.status().ToString());
  WatchdogHandler handler(c, *state.value(), *k.value().producer, clock, wall, metrics,
                          lease.value().get());
  consumer::Shell shell(*k.value().consumer, *k.value().producer, state.value()->store(),
                        metrics.registry(),
                        {.service = "sightline-watchdog",
                         .topic = c.topic,
                         .dlq_topic = c.dlq_topic,
                         .offsets_cf = WatchdogState::kOffsetsFamily,
                         .batch_max_records = c.batch_max_events,
                         .batch_wait = c.batch_wait,
                         .ready_max_lag = 0});  // The tick needs every event: no lag at all.
  auto auth =
      identity::Authenticator::Create(c.auth, wall);  // Credentials expire by the wall clock.
  if (!auth.ok()) return Fail(auth.status().message());
  audit_log::KafkaAuditSink audit(*k.value().producer, c.audit_topic);
  audit_log::AuditedDoor door(*auth.value(), audit, wall, "sightline-watchdog");
  http::Server server(c.http);
  RegisterApi(server, shell, handler, *state.value(), door);
  metrics::ServeMetrics(server, metrics.registry());
  auto port = server.Start();
  if (!port.ok()) return Fail(port.status().message());
  if (!c.port_file.empty()) std::ofstream(c.port_file) << port.value() << "\n";
  std::cerr << "sightline-watchdog: " << policy.rules.size() << " rules; API at "
            << config::ListenerDescription(server, c.http, port.value()) << "; consuming "
            << c.topic << ", alerting to " << c.alerts_topic
            << (c.lease.topic.empty() ? ""
                                      : "; alerts only while holding the lease on " +
                                            c.lease.topic + " (group " + c.lease.group_id + ")")
            << (c.clock_file.empty() ? "" : "; SIMULATED clock from " + c.clock_file) << std::endl;
  return runtime::ServeUntilStopped(
      stop_signals, "sightline-watchdog",
      [&](const std::atomic<bool>& stop) { return shell.Run(handler, stop); },
      [&] { server.Stop(); });
}

int Dump(const WatchdogConfig& c, const domain::ClockPolicy& policy) {
  auto state = WatchdogState::Open(c.data_dir, c.sync_writes, policy, false);
  if (!state.ok()) return Fail(state.status().ToString());
  auto digest = state.value()->DeadlineDigest();
  if (!digest.ok()) return Fail(digest.status().ToString());
  std::cout << "deadlines_sha256 " << digest.value().first << "\n";
  std::cout << "open_clocks " << digest.value().second << "\n";
  auto horizon = state.value()->Horizon();
  if (horizon.ok() && horizon.value()) {
    std::cout << "horizon "
              << std::chrono::duration_cast<std::chrono::seconds>(
                     horizon.value()->time_since_epoch())
                     .count()
              << "\n";
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string config_path;
  Overrides overrides;
  CLI::App app{"Sightline watchdog: statutory clocks and the alert lifecycle"};
  app.add_option("--config", config_path, "YAML config file (see deploy/watchdog.yaml)");
  app.add_option("--brokers", overrides.kafka.brokers_flag, "Kafka bootstrap servers");
  app.add_option("--kafka-property", overrides.kafka.property_flags,
                 "librdkafka property name=value (repeatable)");
  app.add_option("--data-dir", overrides.data_dir, "Store directory (overrides store.data_dir)");
  app.add_option("--policy", overrides.policy_file, "Policy file (overrides policy_file)");
  app.add_option("--http-port", overrides.http_port, "Port to listen on; 0 picks a free one")
      ->check(CLI::Range(0, 65535));
  app.add_option("--port-file", overrides.port_file, "Write the bound port to this file");
  app.add_option("--auth-tokens-file", overrides.auth_tokens_file,
                 "Static tokens (YAML, mode 0600), instead of auth.tokens_file");
  app.add_option("--simulated-clock-file", overrides.clock_file,
                 "Tests and demos: read the current time (Unix seconds) from this file");
  auto* serve = app.add_subcommand("serve", "Consume, tick and serve (the default)");
  auto* dump = app.add_subcommand("dump", "Print the deadline-index digest of the store");
  app.require_subcommand(0, 1);
  CLI11_PARSE(app, argc, argv);
  static_cast<void>(serve);

  overrides.kafka.env = config::SightlineEnvironment();
  WatchdogConfig config;
  if (!config_path.empty()) {
    auto yaml = config::YamlReader::FromFile(config_path);
    if (!yaml.ok()) return Fail(yaml.status().message());
    if (Status s = ReadWatchdogConfig(yaml.value(), config); !s.ok()) return Fail(s.message());
  }
  if (Status s = ApplyOverrides(overrides, config); !s.ok()) return Fail(s.message());
  auto policy = config::LoadPolicy(config.policy_file);
  if (!policy.ok()) return Fail(policy.status().message());
  if (dump->parsed()) return Dump(config, policy.value());
  return Serve(config, policy.value());
}
