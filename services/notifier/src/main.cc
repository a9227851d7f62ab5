// sightline-notifier: delivers sightline.alerts.v1 to on-call receivers (Alertmanager API v2,
// PagerDuty-shaped webhooks), at least once, and pages when the pipeline heartbeat stops
// (docs/adr/0006-notifier.md). Runs until SIGINT/SIGTERM; exits 2 on a fatal error.
#include <CLI/CLI.hpp>
#include <fstream>
#include <iostream>

#include "api.h"
#include "config.h"
#include "handler.h"
#include "sightline/config/http_options.h"
#include "sightline/consumer/connect.h"
#include "sightline/metrics/exposition.h"
#include "sightline/runtime/serve.h"

namespace {

using namespace sightline;
using namespace sightline::notifier_service;

int Fail(const std::string& message) {
  std::cerr << "sightline-notifier: " << message << "\n";
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::string config_path;
  Overrides overrides;
  CLI::App app{"Sightline notifier: alerts to on-call receivers, at least once"};
  app.add_option("--config", config_path, "YAML config file (see deploy/notifier.yaml)")
      ->required();
  app.add_option("--brokers", overrides.kafka.brokers_flag, "Kafka bootstrap servers");
  app.add_option("--kafka-property", overrides.kafka.property_flags,
                 "librdkafka property name=value (repeatable)");
  app.add_option("--data-dir", overrides.data_dir, "Store directory (overrides store.data_dir)");
  app.add_option("--http-port", overrides.http_port, "Port to listen on; 0 picks a free one")
      ->check(CLI::Range(0, 65535));
  app.add_option("--port-file", overrides.port_file, "Write the bound port to this file");
  app.add_option("--auth-tokens-file", overrides.auth_tokens_file,
                 "Static tokens (YAML, mode 0600), instead of auth.tokens_file");
  CLI11_PARSE(app, argc, argv);

  overrides.kafka.env = config::SightlineEnvironment();
  NotifierConfig c;
  auto yaml = config::YamlReader::FromFile(config_path);
  if (!yaml.ok()) return Fail(yaml.status().message());
  if (Status s = ReadNotifierConfig(yaml.value(), c); !s.ok()) return Fail(s.message());
  if (Status s = consumer::ApplyServiceOverrides(overrides, c); !s.ok()) return Fail(s.message());

  sigset_t stop_signals = runtime::BlockStopSignals();
  auto state = NotifierState::Open(c);
  if (!state.ok()) return Fail(state.status().ToString());
  auto k = consumer::Connect({.brokers = c.brokers,
                              .properties = c.kafka_properties,
                              .topic = c.alerts_topic,
                              .group_id = c.group_id,
                              .client_id = "sightline-notifier"});
  if (!k.ok()) return Fail(k.status().ToString());
  SystemClock clock;
  NotifierMetrics metrics(c);
  Deliverer deliverer(c, *state.value(), clock, metrics);
  HeartbeatWatch heartbeat(c, *state.value(), clock, metrics);
  auto lease = consumer::OpenLease(c, c.lease, "sightline-notifier");
  if (!lease.ok()) return Fail(lease.status().ToString());
  NotifierHandler handler(c, *state.value(), deliverer, heartbeat, clock, metrics,
                          lease.value().get());
  consumer::Shell shell(*k.value().consumer, *k.value().producer, state.value()->store(),
                        metrics.registry(),
                        {.service = "sightline-notifier",
                         .topic = c.alerts_topic,
                         .dlq_topic = c.dlq_topic,
                         .offsets_cf = NotifierState::kOffsetsFamily,
                         .batch_max_records = c.batch_max_events,
                         .batch_wait = std::chrono::milliseconds(100),
                         .ready_max_lag = 1000});  // As the projector's default.
  auto auth = identity::Authenticator::Create(c.auth, clock);
  if (!auth.ok()) return Fail(auth.status().message());
  audit_log::KafkaAuditSink audit(*k.value().producer, c.audit_topic);
  audit_log::AuditedDoor door(*auth.value(), audit, clock, "sightline-notifier");
  http::Server server(c.http);
  RegisterApi(server, {.config = c,
                       .shell = shell,
                       .handler = handler,
                       .deliverer = deliverer,
                       .heartbeat = heartbeat,
                       .clock = clock,
                       .door = door});
  metrics::ServeMetrics(server, metrics.registry());
  auto port = server.Start();
  if (!port.ok()) return Fail(port.status().message());
  if (!c.port_file.empty()) std::ofstream(c.port_file) << port.value() << "\n";
  std::cerr << "sightline-notifier: " << c.receivers.size() << " receivers; API at "
            << config::ListenerDescription(server, c.http, port.value()) << "; consuming "
            << c.alerts_topic
            << (c.lease.topic.empty() ? ""
                                      : "; delivers only while holding the lease on " +
                                            c.lease.topic + " (group " + c.lease.group_id + ")")
            << std::endl;

  return runtime::ServeUntilStopped(
      stop_signals, "sightline-notifier",
      [&](const std::atomic<bool>& stop) { return shell.Run(handler, stop); },
      [&] { server.Stop(); });
}
