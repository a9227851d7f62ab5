// Projector throughput against a real broker: events/s from Kafka into RocksDB (a full
// `sightline-projector rebuild` of the topic) next to the rate at which the same topic is merely
// consumed (the ceiling), and their ratio. Then the live projector (`sightline-projector` serving,
// folding every batch's children as it goes) catching up on the same topic from an empty store:
// its events/s and its peak RSS. Run by `make bench` (scripts/bench.sh), which starts a private
// broker. Numbers only: nothing here asserts a time.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "bench_util.h"
#include "process.h"
#include "sightline/http/client.h"
#include "sightline/kafka/admin.h"
#include "sightline/kafka/consumer.h"
#include "sightline/kafka/producer.h"
#include "sightline/runtime/usage.h"
#include "sightline/simulator/simulate.h"

using namespace sightline;
using bench::ConsumeOnly;
using Clock = bench::SteadyClock;

int main(int argc, char** argv) {
  std::string brokers, bin_dir, source_dir, work;
  int days = 80, per_day = 120;
  CLI::App app{"Projector throughput vs. consume-only ceiling"};
  app.add_option("--brokers", brokers)->required();
  app.add_option("--bin-dir", bin_dir)->required();
  app.add_option("--source-dir", source_dir)->required();
  app.add_option("--work-dir", work)->required();
  app.add_option("--days", days)->check(CLI::Range(1, 3650));
  app.add_option("--contacts-per-day", per_day)->check(CLI::Range(1, 20000));
  int counties = 1;
  app.add_option("--counties", counties,
                 "Counties on the one topic (a region), each with its own seed, ids and UPNs")
      ->check(CLI::Range(1, 10));
  bool live = true;
  app.add_flag("!--no-live", live, "Skip the live projector's catch-up");
  CLI11_PARSE(app, argc, argv);

  std::string topic = "bench.events." + std::to_string(getpid());
  auto created = kafka::EnsureTopics(
      brokers, {},
      {{.name = topic, .partitions = 6, .replication_factor = 1, .config = {}},
       {.name = topic + ".dlq", .partitions = 1, .replication_factor = 1, .config = {}}},
      std::chrono::seconds(30));
  if (!created.ok()) return std::cerr << created.status().message() << "\n", 1;
  auto producer = kafka::Producer::Create({.brokers = brokers,
                                           .properties = {},
                                           .delivery_timeout = std::chrono::seconds(60),
                                           .client_id = "bench"});
  if (!producer.ok()) return std::cerr << producer.status().message() << "\n", 1;
  // County by county, each simulated, produced and freed before the next, so that memory holds
  // one county's history however many share the topic.
  std::size_t produced = 0;
  double produce_s = 0;
  for (int county = 0; county < counties; ++county) {
    domain::SimulationParams p;
    p.seed = 42 + static_cast<std::uint64_t>(county);
    // Ids and UPNs of their own, as neighbouring councils' would be.
    if (county > 0) p.id_prefix = "sim" + std::to_string(county + 1);
    p.la_code = std::to_string(886 + county);
    // Every event must lie in the past when the rebuild runs (validation refuses events from the
    // future): a history longer than 300 days starts earlier, so that it ends by November 2026.
    p.start_day = std::chrono::sys_days{std::chrono::January / 5 / 2026} -
                  std::chrono::days(std::max(0, days - 300));
    p.days = days;
    p.contacts_per_day = per_day;
    std::vector<kafka::OutboundMessage> messages;
    for (const auto& e : domain::Simulate(p)) {
      kafka::OutboundMessage& m = messages.emplace_back();
      m.topic = topic;
      m.key = e.child_id();
      e.SerializeToString(&m.value);
    }
    auto t0 = Clock::now();
    for (std::size_t i = 0; i < messages.size(); i += 10000) {
      std::size_t n = std::min<std::size_t>(10000, messages.size() - i);
      for (const auto& d : producer.value()->SendAndWait(std::span(messages).subspan(i, n)))
        if (!d.status.ok()) return std::cerr << d.status.message() << "\n", 1;
    }
    produce_s += bench::Since(t0);
    produced += messages.size();
  }

  auto t0 = Clock::now();
  double cpu0 = runtime::CpuSeconds(runtime::CpuOf::kThisProcess);
  auto consumed = ConsumeOnly(brokers, topic);
  if (!consumed.ok()) return std::cerr << consumed.status().message() << "\n", 1;
  double consume_s = bench::Since(t0);
  double consume_cpu = runtime::CpuSeconds(runtime::CpuOf::kThisProcess) - cpu0;

  // A projector's config for this topic, in consumer group <topic>.<group>, storing under
  // <work>/<store>.
  auto write_config = [&](const std::string& file, const std::string& group,
                          const std::string& store) {
    std::ofstream(work + "/" + file)
        << "http: {port: 0, web_root: \"\"}\n"
        << "kafka: {brokers: \"" << brokers << "\", topic: " << topic
        << ", dead_letter_topic: " << topic << ".dlq, group_id: " << topic << "." << group << "}\n"
        << "store: {data_dir: \"" << work << "/" << store << "\"}\n"
        << "clocks: {calendar_file: \"" << source_dir
        << "/deploy/calendar/england-and-wales.txt\"}\n";
  };
  write_config("bench.yaml", "projector", "store");
  std::string cmd = bin_dir + "/sightline-projector --config " + work + "/bench.yaml rebuild > " +
                    work + "/rebuild.log 2>&1";
  t0 = Clock::now();
  cpu0 = runtime::CpuSeconds(runtime::CpuOf::kWaitedChildren);
  int rc = std::system(cmd.c_str());
  double project_s = bench::Since(t0);
  double project_cpu = runtime::CpuSeconds(runtime::CpuOf::kWaitedChildren) - cpu0;
  if (rc != 0) return std::cerr << "rebuild failed; see " << work << "/rebuild.log\n", 1;

  double n = static_cast<double>(produced);
  std::printf(
      "events                 %zu (%d simulated days, %d contacts/day, %d %s, 6 partitions)\n",
      produced, days, per_day, counties, counties == 1 ? "county" : "counties");
  std::printf("produce (acks=all)     %8.0f events/s  (%.2f s)\n", n / produce_s, produce_s);
  std::printf("consume only (ceiling) %8.0f events/s  (%.2f s)\n",
              static_cast<double>(consumed.value()) / consume_s, consume_s);
  std::printf(
      "project into RocksDB   %8.0f events/s  (%.2f s, rebuild incl. start-up and the final "
      "fold)\n",
      n / project_s, project_s);
  std::printf("ratio projector/ceiling %.3f\n", consume_s / project_s);
  // CPU per event changes less from run to run than the wall times (which follow whatever else
  // the cores and the page cache are doing), and says what the cores allow: the rebuild cannot
  // pass the machine's cores divided by its CPU per event, however well its threads overlap.
  double cores = static_cast<double>(std::max(1u, std::thread::hardware_concurrency()));
  double consume_us = consume_cpu / static_cast<double>(consumed.value()) * 1e6;
  double project_us = project_cpu / n * 1e6;
  std::printf(
      "CPU per event          consume only %.2f us, rebuild %.2f us (user + system, "
      "every thread)\n",
      consume_us, project_us);
  std::printf("ratio by CPU per event  %.3f\n", consume_us / project_us);
  std::printf("rebuild's CPU bound    %8.0f events/s  (%.0f cores, nothing else running)\n",
              cores / project_us * 1e6, cores);
  // The rebuild states its own peak (VmHWM): a child's rusage would count this process's pages,
  // which its fork shared before the exec.
  std::ifstream log(work + "/rebuild.log");
  for (std::string line; std::getline(log, line);) {
    if (line.starts_with("rebuild: peak RSS")) std::printf("rebuild %s\n", line.c_str() + 9);
  }
  if (!live) return 0;

  // The live projector from an empty store, in its own consumer group: the time from its start
  // until /readyz shows every partition applied to the end, its peak RSS (VmHWM) then, and how
  // its changed children were folded (sightline_projector_folds_total). Run twice: with the
  // folds of recent children kept (ADR 0023; the configured default) and with every changed
  // child folded from its whole history (fold_cache_children: 0), as before.
  struct LiveRun {
    double seconds = 0;
    long hwm_kb = 0;
    double appended = 0, whole = 0;
  };
  auto run_live = [&](const std::string& name, const std::string& apply_yaml) -> LiveRun {
    write_config(name + ".yaml", name, name + "-store");
    std::ofstream(work + "/" + name + ".yaml", std::ios::app) << apply_yaml;
    std::string url;
    auto t = Clock::now();
    auto projector = testing::StartWithPortFile(
        {bin_dir + "/sightline-projector", "--config", work + "/" + name + ".yaml"},
        work + "/" + name + ".log", work + "/" + name + ".port", url);
    if (projector == nullptr) return {};
    auto get = [&](const std::string& path) -> std::string {
      auto r = http::Send(url, {.method = "GET",
                                .path = path,
                                .body = {},
                                .content_type = {},
                                .headers = {},
                                .timeout = std::chrono::seconds(10)});
      return r.ok() ? r.value().body : "";
    };
    auto applied = [&]() -> std::int64_t {
      auto j = nlohmann::json::parse(get("/readyz"), nullptr, false);
      if (!j.is_object() || !j.contains("partitions")) return -1;
      std::int64_t sum = 0;
      for (const auto& partition : j["partitions"]) sum += partition.value("applied_next", 0);
      return sum;
    };
    const auto total = static_cast<std::int64_t>(produced);
    bool caught_up = testing::WaitFor([&] { return applied() >= total; }, std::chrono::minutes(30));
    LiveRun run{.seconds = bench::Since(t),
                .hwm_kb = bench::ProcStatusKb(projector->pid(), "VmHWM"),
                .appended = 0,
                .whole = 0};
    std::istringstream metrics(get("/metrics"));
    for (std::string line; std::getline(metrics, line);) {
      if (line.starts_with("sightline_projector_folds_total{path=\"appended\"}"))
        run.appended = std::stod(line.substr(line.rfind(' ')));
      if (line.starts_with("sightline_projector_folds_total{path=\"whole\"}"))
        run.whole = std::stod(line.substr(line.rfind(' ')));
    }
    projector->Stop();
    if (!caught_up) return {};
    return run;
  };
  LiveRun kept = run_live("live", "");
  LiveRun whole = run_live("live-whole", "apply: {fold_cache_children: 0}\n");
  if (kept.seconds == 0 || whole.seconds == 0)
    return std::cerr << "a live projector did not start or catch up; see live*.log\n", 1;
  for (const auto& [name, run] :
       {std::pair<const char*, const LiveRun&>{"kept folds", kept}, {"whole folds", whole}}) {
    std::printf(
        "live projector, %-11s %8.0f events/s  (%.2f s from start to every partition applied; "
        "children folded: %.0f by their kept fold, %.0f whole)\n",
        name, n / run.seconds, run.seconds, run.appended, run.whole);
    std::printf("  ratio live/ceiling      %.3f, peak RSS %ld MiB\n", consume_s / run.seconds,
                run.hwm_kb / 1024);
  }
  std::printf("ratio kept/whole folds  %.2f\n", whole.seconds / kept.seconds);
  return 0;
}
