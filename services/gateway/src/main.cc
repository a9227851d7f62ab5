// sightline-gateway: wires config, the Kafka producer, the ingest handler and the HTTP server.
// Runs until SIGINT/SIGTERM (then drains in-flight requests and flushes Kafka), or until the
// producer reports a fatal error (then exits 2 so the supervisor restarts it cleanly).
#include <CLI/CLI.hpp>

#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>

#include "config.h"
#include "heartbeat.h"
#include "ingest.h"
#include "kafka_sink.h"
#include "sightline/clock/clock.h"
#include "sightline/config/http_options.h"
#include "sightline/config/policy_file.h"
#include "sightline/metrics/exposition.h"

namespace {

using namespace sightline;

int Fail(const std::string& message) {
  std::cerr << "sightline-gateway: " << message << "\n";
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::string config_path;
  gateway::Overrides overrides;
  CLI::App app{"Sightline ingest gateway: validates case events and writes them to Kafka"};
  app.add_option("--config", config_path, "YAML config file (see deploy/gateway.yaml)");
  app.add_option("--brokers", overrides.brokers, "Kafka bootstrap servers (overrides the file)");
  app.add_option("--http-host", overrides.http_host, "Address to listen on");
  app.add_option("--http-port", overrides.http_port, "Port to listen on; 0 picks a free one")
      ->check(CLI::Range(0, 65535));
  app.add_option("--kafka-property", overrides.kafka_properties,
                 "librdkafka property name=value (repeatable), e.g. security.protocol=ssl");
  app.add_option("--port-file", overrides.port_file, "Write the bound port to this file");
  app.add_option("--auth-tokens-file", overrides.auth_tokens_file,
                 "Static tokens (YAML, mode 0600), instead of auth.tokens_file");
  app.add_option("--data-dir", overrides.data_dir,
                 "RocksDB directory of the event-id ledger, instead of store.data_dir");
  CLI11_PARSE(app, argc, argv);

  overrides.env = config::SightlineEnvironment();

  gateway::GatewayConfig config;
  if (!config_path.empty()) {
    auto yaml = config::YamlReader::FromFile(config_path);
    if (!yaml.ok()) return Fail(yaml.status().message());
    if (Status s = gateway::ReadGatewayConfig(yaml.value(), config); !s.ok()) {
      return Fail(s.message());
    }
  }
  if (Status s = gateway::ApplyOverrides(overrides, config); !s.ok()) return Fail(s.message());

  // Block the stop signals before any thread starts, so only the sigtimedwait below sees them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  // Opened before the producer, so it outlives it: a late delivery report settles its ids.
  auto ids = gateway::IdLedger::Open(config.data_dir);
  if (!ids.ok()) return Fail(ids.status().message());
  auto producer = kafka::Producer::Create(
      {.brokers = config.brokers,
       .properties = config.kafka_properties,
       .delivery_timeout = config.produce_timeout,  // The audit topic's.
       .client_id = "sightline-gateway",
       .topic_delivery_timeouts = {{config.topic, config.delivery_timeout}}});
  if (!producer.ok()) return Fail(producer.status().message());
  gateway::KafkaEventSink sink(std::move(producer).value(), config.topic);
  SystemClock clock;
  gateway::GatewayMetrics metrics;
  auto auth = identity::Authenticator::Create(config.auth, clock);
  if (!auth.ok()) return Fail(auth.status().message());
  audit_log::KafkaAuditSink audit(sink.producer(), config.audit_topic);
  std::function<std::optional<domain::Acknowledgers>(std::string_view)> acknowledgers;
  if (!config.alerts_policy_file.empty()) {
    auto policy = config::LoadPolicy(config.alerts_policy_file);
    if (!policy.ok()) return Fail("alerts.policy_file: " + policy.status().message());
    acknowledgers = [p = std::make_shared<domain::ClockPolicy>(std::move(policy).value())](
                        std::string_view alert) { return domain::WhoMayAcknowledge(*p, alert); };
  } else {
    std::cerr << "sightline-gateway: alerts.policy_file not set: any manager may acknowledge "
                 "any alert level\n";
  }
  gateway::IngestHandler ingest(sink, clock, metrics, *auth.value(), audit, *ids.value(),
                                {.limits = config.limits,
                                 .max_batch_events = config.max_batch_events,
                                 .produce_wait = config.produce_timeout,
                                 .writes = config.writes,
                                 .service_name = "sightline-gateway",
                                 .max_audited_refusals = 20,
                                 .acknowledgers = acknowledgers});

  http::Server server(config.http);
  auto counted = [&metrics](const std::string& endpoint, http::Handler handler) {
    return [&metrics, endpoint, handler = std::move(handler)](const http::Request& r) {
      http::Response res = handler(r);
      metrics.Request(endpoint, res.status);
      return res;
    };
  };
  server.Post("/v1/events",
              counted("/v1/events", [&](const http::Request& r) { return ingest.PostEvents(r); }));
  server.Get(
      "/healthz",
      [](const http::Request&) {
        return http::Response{.status = 200,
                              .content_type = "application/json",
                              .body = R"({"status":"alive"})",
                              .headers = {}};
      },
      http::Dispatch::kInline);
  server.Get("/readyz", counted("/readyz", [&](const http::Request&) { return ingest.Ready(); }));
  metrics::ServeMetrics(server, metrics.registry());
  auto port = server.Start();
  if (!port.ok()) return Fail(port.status().message());
  if (!config.port_file.empty()) {
    std::ofstream(config.port_file) << port.value() << "\n";
  }
  std::cerr << "sightline-gateway: listening on "
            << config::ListenerDescription(server, config.http, port.value()) << ", writing to "
            << config.topic << " at " << config.brokers << std::endl;
  std::unique_ptr<gateway::Heartbeat> heartbeat;
  if (config.heartbeat_interval.count() > 0) {
    heartbeat = std::make_unique<gateway::Heartbeat>(sink, clock, config.heartbeat_source,
                                                     config.heartbeat_interval);
  }

  int exit_code = 0;
  timespec tick{1, 0};
  while (true) {
    int sig = sigtimedwait(&stop_signals, nullptr, &tick);
    if (sig == SIGINT || sig == SIGTERM) break;
    if (sink.Broken()) {
      std::cerr << "sightline-gateway: Kafka producer is unusable; exiting for a clean restart\n";
      exit_code = 2;
      break;
    }
  }
  heartbeat.reset();
  server.Stop();
  std::cerr << "sightline-gateway: stopped" << std::endl;
  return exit_code;
}
