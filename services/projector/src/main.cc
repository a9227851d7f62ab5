// sightline-projector: consumes sightline.events.v1 into RocksDB projections and serves the
// triage API and screen from them.
//   serve    (default) consume and serve until SIGINT/SIGTERM; exit 2 on a fatal error. A
//            rebuild while serving is started over the API (POST /v1/admin/rebuild, ADR 0016).
//   rebuild  replay the topic from the start into a fresh store, then swap it in (service
//            stopped: the store is locked while the service runs).
//   dump     print the projection digest (and with --rows every row) of the current store.
#include <CLI/CLI.hpp>

#include <pthread.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <thread>

#include "alert_board.h"
#include "api.h"
#include "config.h"
#include "handler.h"
#include "sightline/config/http_options.h"
#include "sightline/config/policy_file.h"
#include "sightline/consumer/connect.h"
#include "sightline/consumer/offsets.h"
#include "sightline/metrics/exposition.h"
#include "sightline/runtime/serve.h"
#include "sightline/runtime/usage.h"
#include "store_layout.h"
#include "store_slot.h"

namespace {

using namespace sightline;
using namespace sightline::projector;

int Fail(const std::string& message) {
  std::cerr << "sightline-projector: " << message << "\n";
  return 1;
}

int Serve(const ProjectorConfig& c, const domain::Calendar& calendar) {
  sigset_t stop_signals = runtime::BlockStopSignals();
  SystemClock clock;
  auto current = OpenCurrent(c, clock.Now());
  if (!current.ok()) return Fail(current.status().ToString());
  // The API reads the store through the slot; a rebuild while serving swaps another in.
  std::shared_ptr<storage::Store> store = std::move(current).value();
  StoreSlot slot(store);
  auto k = ConnectKafka(c, c.group_id);
  if (!k.ok()) return Fail(k.status().ToString());
  ProjectorMetrics metrics;
  ChangeFeed feed;
  Applier applier(*store, calendar, c.policy);
  applier.KeepFolds(c.fold_cache_children, c.batch_max_events);
  ProjectorHandler handler(applier, *store, metrics, &feed, clock, true);
  OnlineRebuild rebuild(c, calendar, clock);
  handler.SwitchStoresFrom(rebuild, slot);
  consumer::Shell shell(*k.value().consumer, *k.value().producer, *store, metrics.registry(),
                        ShellOptionsFor(c));
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
  // The alert board: a second consumer, of the watchdog's alerts, into a store of its own.
  std::unique_ptr<storage::Store> alert_store;
  std::optional<consumer::KafkaHandles> alert_kafka;
  std::unique_ptr<consumer::Shell> alert_shell;
  std::unique_ptr<AlertBoardHandler> alert_board;
  if (!c.alerts_topic.empty()) {
    auto opened = OpenAlertBoard(c.data_dir + "/alerts", c.sync_writes);
    if (!opened.ok()) return Fail(opened.status().ToString());
    alert_store = std::move(opened).value();
    auto ak = consumer::Connect({.brokers = c.brokers,
                                 .properties = c.kafka_properties,
                                 .topic = c.alerts_topic,
                                 .group_id = c.group_id + "-alerts",
                                 .client_id = "sightline-projector-alerts"});
    if (!ak.ok()) return Fail(ak.status().ToString());
    alert_kafka = std::move(ak).value();
    alert_board = std::make_unique<AlertBoardHandler>(*alert_store, &feed);
    alert_shell = std::make_unique<consumer::Shell>(
        *alert_kafka->consumer, *alert_kafka->producer, *alert_store, metrics.registry(),
        consumer::Options{.service = "sightline-projector-alerts",
                          .topic = c.alerts_topic,
                          .dlq_topic = c.dlq_topic,
                          .offsets_cf = alerts_cf::kMeta,
                          .batch_max_records = c.batch_max_events,
                          .batch_wait = c.batch_wait,
                          .ready_max_lag = c.ready_max_lag});
  }
  std::function<StatusOr<http::ClientResponse>(const std::string&, const std::string&)> write;
  if (!c.gateway_url.empty()) {
    write = [&c](const std::string& authorization, const std::string& event_json) {
      http::ClientRequest r;
      r.method = "POST";
      r.path = "/v1/events";
      r.body = event_json;
      r.content_type = "application/json";
      if (!authorization.empty()) r.headers["Authorization"] = authorization;
      r.ca_file = c.gateway_ca_file;
      return http::Send(c.gateway_url, r);
    };
  }
  TriageApi api({.stores = slot,
                 .calendar = calendar,
                 .access = c.access,
                 .auth = *auth.value(),
                 .audit = audit,
                 .feed = feed,
                 .metrics = metrics,
                 .clock = clock,
                 .consumer_status = [&shell] { return shell.Snapshot(); },
                 .alerts = alert_store.get(),
                 .write_event = write,
                 .rebuild = &rebuild,
                 .rebuild_roles = c.rebuild_roles,
                 .max_waiting_reads = std::max(1, c.http.threads / 2),
                 .kept_record_json = c.kept_record_json});
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
            << c.topic << " at " << c.brokers << " into " << store->path() << std::endl;
  store.reset();  // The slot and the handler hold it from here.

  return runtime::ServeUntilStopped(
      stop_signals, "sightline-projector",
      [&](const std::atomic<bool>& stop) {
        // Both consumers stop together: on a signal, or when either fails (the service then
        // exits 2 and is restarted whole, like any consumer; ADR 0007).
        std::atomic<bool> inner{false};
        std::thread relay([&] {
          while (!stop && !inner) std::this_thread::sleep_for(std::chrono::milliseconds(50));
          inner = true;
          rebuild.Stop();  // A rebuild under way is abandoned; the live store stays.
        });
        Status alerts_result;
        std::thread alerts_worker;
        if (alert_shell) {
          alerts_worker = std::thread([&] {
            alerts_result = alert_shell->Run(*alert_board, inner);
            inner = true;
          });
        }
        Status result = shell.Run(handler, inner);
        inner = true;
        if (alerts_worker.joinable()) alerts_worker.join();
        relay.join();
        if (!alerts_result.ok()) {
          std::cerr << "sightline-projector: alert board: " << alerts_result.ToString() << "\n";
        }
        return result.ok() ? alerts_result : result;
      },
      [&] {
        feed.Close();
        server.Stop();
      });
}

int Rebuild(const ProjectorConfig& c, const domain::Calendar& calendar) {
  sigset_t stop_signals = runtime::BlockStopSignals();
  // The worker wakes this thread with SIGUSR1 when it is done (blocked here and in the threads
  // started below, so it only ends the wait).
  sigset_t wake = stop_signals;
  sigaddset(&wake, SIGUSR1);
  pthread_sigmask(SIG_BLOCK, &wake, nullptr);
  const pthread_t reporter = pthread_self();
  SystemClock clock;
  auto path = NewStorePath(c, clock.Now());
  if (!path.ok()) return Fail(path.status().ToString());
  auto store = storage::Store::Open(ReplayStoreOptionsFor(c, path.value()));
  if (!store.ok()) return Fail(store.status().ToString());
  auto k = ConnectKafka(c, c.group_id + "-rebuild", ReplayConsumerProperties());
  if (!k.ok()) return Fail(k.status().ToString());
  ProjectorMetrics metrics;
  // Events first, every child folded once at the end (the store is not served until then).
  Applier applier(*store.value(), calendar, c.policy, Applier::Mode::kEventsOnly);
  ProjectorHandler handler(applier, *store.value(), metrics, nullptr, clock, false);
  consumer::Shell shell(*k.value().consumer, *k.value().producer, *store.value(),
                        metrics.registry(), ReplayShellOptionsFor(c));
  std::atomic<bool> stop{false}, done{false}, folding{false};
  Status result;
  std::size_t children = 0;
  auto started = std::chrono::steady_clock::now();
  auto seconds = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  };
  // The CPU it has used, every thread (RocksDB's and librdkafka's too).
  auto cpu_seconds = [] { return runtime::CpuSeconds(runtime::CpuOf::kThisProcess); };
  const double cpu_at_start = cpu_seconds();
  double replay_cpu = 0;
  std::thread worker([&] {
    result = shell.Run(handler, stop);
    if (result.ok() && !stop) {
      consumer::ShellStatus p = shell.Snapshot();
      replay_cpu = cpu_seconds() - cpu_at_start;
      std::fprintf(stderr,
                   "rebuild: %lld events applied, %lld dead-lettered, replayed in %.2f s "
                   "(%.1f CPU-seconds)\n",
                   static_cast<long long>(p.records_committed - p.dead_lettered),
                   static_cast<long long>(p.dead_lettered), seconds(), replay_cpu);
      folding = true;
      auto folded = Applier::FoldAll(*store.value(), calendar, c.policy);
      if (folded.ok()) {
        children = folded.value();
        result = store.value()->Flush();
      } else {
        result = folded.status();
      }
    }
    done = true;
    pthread_kill(reporter, SIGUSR1);
  });
  while (!done) {
    timespec tick{1, 0};
    int sig = sigtimedwait(&wake, nullptr, &tick);
    if (sig == SIGINT || sig == SIGTERM) stop = true;
    if (done || folding) continue;
    consumer::ShellStatus p = shell.Snapshot();
    std::cerr << "rebuild: " << p.records_committed - p.dead_lettered << " events applied, "
              << p.dead_lettered << " dead-lettered, " << p.Behind() << " behind, "
              << static_cast<long>(seconds()) << " s\n";
  }
  worker.join();
  if (!result.ok()) return Fail("rebuild failed, current store kept: " + result.ToString());
  if (stop)
    return Fail("rebuild interrupted; current store kept, partial store at " + path.value());
  const double cpu = cpu_seconds() - cpu_at_start;
  std::fprintf(stderr,
               "rebuild: %zu children folded and flushed, %.2f s (%.1f CPU-seconds: %.1f "
               "replaying, %.1f folding)\n",
               children, seconds(), cpu, replay_cpu, cpu - replay_cpu);
  std::fprintf(stderr, "rebuild: peak RSS %ld MiB\n", runtime::PeakRssMiB());
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
