// sightline-projector: consumes sightline.events.v1 into RocksDB projections and serves the
// triage API and screen from them.
//   serve    (default) consume and serve until SIGINT/SIGTERM; exit 2 on a fatal error.
//   rebuild  replay the topic from the start into a fresh store, then swap it in (service
//            stopped: the store is locked while the service runs).
//   dump     print the projection digest (and with --rows every row) of the current store.
#include <CLI/CLI.hpp>

#include <csignal>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "api.h"
#include "config.h"
#include "handler.h"
#include "sightline/config/http_options.h"
#include "sightline/config/policy_file.h"
#include "sightline/consumer/connect.h"
#include "sightline/consumer/offsets.h"
#include "sightline/metrics/exposition.h"
#include "sightline/runtime/serve.h"
#include "store_layout.h"

namespace {

using namespace sightline;
using namespace sightline::projector;

int Fail(const std::string& message) {
  std::cerr << "sightline-projector: " << message << "\n";
  return 1;
}

StatusOr<consumer::KafkaHandles> ConnectKafka(const ProjectorConfig& c, const std::string& group) {
  return consumer::Connect({.brokers = c.brokers,
                            .properties = c.kafka_properties,
                            .topic = c.topic,
                            .group_id = group,
                            .client_id = "sightline-projector"});
}

consumer::Options ShellOptionsFor(const ProjectorConfig& c) {
  return {.service = "sightline-projector",
          .topic = c.topic,
          .dlq_topic = c.dlq_topic,
          .offsets_cf = cf::kMeta,
          .batch_max_records = c.batch_max_events,
          .batch_wait = c.batch_wait,
          .ready_max_lag = c.ready_max_lag};
}

int Serve(const ProjectorConfig& c, const domain::Calendar& calendar) {
  sigset_t stop_signals = runtime::BlockStopSignals();
  SystemClock clock;
  auto store = OpenCurrent(c, clock.Now());
  if (!store.ok()) return Fail(store.status().ToString());
  auto k = ConnectKafka(c, c.group_id);
  if (!k.ok()) return Fail(k.status().ToString());
  ProjectorMetrics metrics;
  ChangeFeed feed;
  Applier applier(*store.value(), calendar, c.policy);
  ProjectorHandler handler(applier, *store.value(), metrics, &feed, clock, true);
  consumer::Shell shell(*k.value().consumer, *k.value().producer, *store.value(),
                        metrics.registry(), ShellOptionsFor(c));
  audit_log::KafkaAuditSink audit(*k.value().producer, c.audit_topic);
  identity::AuthOptions auth_options = c.auth;
  auth_options.allow_none = true;  // No users yet: the projector still projects; its API says 401.
  for (const ApiUser& u : c.users)
    auth_options.tokens.push_back({.principal = {.subject = u.user.id,
                                                 .role = u.user.role,
                                                 .team_id = u.user.team_id,
                                                 .agency = "",
                                                 .kind = identity::CredentialKind::kStaticToken,
                                                 .credential = "",
                                                 .relay = false},
                                   .token_sha256 = u.token_sha256});
  auto auth = identity::Authenticator::Create(auth_options, clock);
  if (!auth.ok()) return Fail(auth.status().message());
  TriageApi api({.store = *store.value(),
                 .calendar = calendar,
                 .access = c.access,
                 .auth = *auth.value(),
                 .audit = audit,
                 .feed = feed,
                 .metrics = metrics,
                 .clock = clock,
                 .consumer_status = [&shell] { return shell.Snapshot(); }});
  http::Server server(c.http);
  api.Register(server, c.web_root);
  if (!c.web_root.empty()) {
    if (Status s = server.ServeFiles("/app", c.web_root); !s.ok())
      return Fail("http.web_root: " + s.message());
  }
  metrics::ServeMetrics(server, metrics.registry());
  auto port = server.Start();
  if (!port.ok()) return Fail(port.status().message());
  if (!c.port_file.empty()) std::ofstream(c.port_file) << port.value() << "\n";
  std::cerr << "sightline-projector: triage API and screen (/app/) at "
            << config::ListenerDescription(server, c.http, port.value()) << ", consuming "
            << c.topic << " at " << c.brokers << " into " << store.value()->path() << std::endl;

  return runtime::ServeUntilStopped(
      stop_signals, "sightline-projector",
      [&](const std::atomic<bool>& stop) { return shell.Run(handler, stop); },
      [&] {
        feed.Close();
        server.Stop();
      });
}

int Rebuild(const ProjectorConfig& c, const domain::Calendar& calendar) {
  sigset_t stop_signals = runtime::BlockStopSignals();
  SystemClock clock;
  auto path = NewStorePath(c, clock.Now());
  if (!path.ok()) return Fail(path.status().ToString());
  auto store = storage::Store::Open(StoreOptionsFor(c, path.value()));
  if (!store.ok()) return Fail(store.status().ToString());
  auto k = ConnectKafka(c, c.group_id + "-rebuild");
  if (!k.ok()) return Fail(k.status().ToString());
  ProjectorMetrics metrics;
  Applier applier(*store.value(), calendar, c.policy);
  ProjectorHandler handler(applier, *store.value(), metrics, nullptr, clock, false);
  consumer::Options options = ShellOptionsFor(c);
  options.stop_when_caught_up = true;
  consumer::Shell shell(*k.value().consumer, *k.value().producer, *store.value(),
                        metrics.registry(), options);
  std::atomic<bool> stop{false}, done{false};
  Status result;
  std::thread worker([&] {
    result = shell.Run(handler, stop);
    done = true;
  });
  auto started = std::chrono::steady_clock::now();
  while (!done) {
    timespec tick{1, 0};
    int sig = sigtimedwait(&stop_signals, nullptr, &tick);
    if (sig == SIGINT || sig == SIGTERM) stop = true;
    consumer::ShellStatus p = shell.Snapshot();
    std::int64_t lag = 0;
    for (const auto& [part, pp] : p.partitions)
      lag += std::max<std::int64_t>(0, pp.high_watermark - pp.applied_next);
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::cerr << "rebuild: " << p.records_committed - p.dead_lettered << " events applied, "
              << p.dead_lettered << " dead-lettered, " << lag << " behind, "
              << static_cast<long>(secs) << " s\n";
  }
  worker.join();
  if (!result.ok()) return Fail("rebuild failed, current store kept: " + result.ToString());
  if (stop)
    return Fail("rebuild interrupted; current store kept, partial store at " + path.value());
  if (Status s = store.value()->Flush(); !s.ok()) return Fail(s.ToString());
  store.value().reset();
  if (Status s = SwapCurrent(c, path.value()); !s.ok()) return Fail(s.ToString());
  std::cerr << "rebuild: done; " << path.value() << " is now current\n";
  return 0;
}

int DumpStore(const ProjectorConfig& c, bool rows) {
  auto store = OpenExisting(c);
  if (!store.ok()) return Fail(store.status().ToString());
  auto summary = Dump(*store.value(), rows ? &std::cout : nullptr);
  if (!summary.ok()) return Fail(summary.status().ToString());
  auto offsets = consumer::ReadOffsets(*store.value(), cf::kMeta, c.topic);
  if (!offsets.ok()) return Fail(offsets.status().ToString());
  if (rows) return 0;
  std::cout << "sha256 " << summary.value().sha256 << "\n";
  for (const auto& [name, n] : summary.value().rows)
    std::cout << "rows " << name << " " << n << "\n";
  for (const auto& [p, next] : offsets.value()) std::cout << "offset " << p << " " << next << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string config_path;
  Overrides overrides;
  bool rows = false;
  CLI::App app{"Sightline projector: RocksDB projections of the case events, and the triage API"};
  app.add_option("--config", config_path, "YAML config file (see deploy/projector.yaml)");
  app.add_option("--brokers", overrides.kafka.brokers_flag, "Kafka bootstrap servers");
  app.add_option("--kafka-property", overrides.kafka.property_flags,
                 "librdkafka property name=value (repeatable)");
  app.add_option("--data-dir", overrides.data_dir, "Store directory (overrides store.data_dir)");
  app.add_option("--http-port", overrides.http_port, "Port to listen on; 0 picks a free one")
      ->check(CLI::Range(0, 65535));
  app.add_option("--port-file", overrides.port_file, "Write the bound port to this file");
  app.add_option("--auth-tokens-file", overrides.auth_tokens_file,
                 "Static tokens (YAML, mode 0600), instead of auth.tokens_file");
  auto* serve = app.add_subcommand("serve", "Consume and serve (the default)");
  auto* rebuild = app.add_subcommand("rebuild", "Replay the topic into a fresh store, then swap");
  auto* dump = app.add_subcommand("dump", "Print the projection digest of the current store");
  dump->add_flag("--rows", rows, "Print every row (hex) instead of the digest");
  app.require_subcommand(0, 1);
  CLI11_PARSE(app, argc, argv);

  overrides.kafka.env = config::SightlineEnvironment();
  ProjectorConfig config;
  if (!config_path.empty()) {
    auto yaml = config::YamlReader::FromFile(config_path);
    if (!yaml.ok()) return Fail(yaml.status().message());
    if (Status s = ReadProjectorConfig(yaml.value(), config); !s.ok()) return Fail(s.message());
  }
  if (Status s = consumer::ApplyServiceOverrides(overrides, config); !s.ok())
    return Fail(s.message());
  if (dump->parsed()) return DumpStore(config, rows);
  auto calendar = config::LoadBankHolidays(config.calendar_file);
  if (!calendar.ok()) return Fail("clocks.calendar_file: " + calendar.status().message());
  if (rebuild->parsed()) return Rebuild(config, calendar.value());
  static_cast<void>(serve);
  return Serve(config, calendar.value());
}
