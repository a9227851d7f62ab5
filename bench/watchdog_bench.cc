// The watchdog at scale against a real broker (issue 15): a real `sightline-watchdog` on a
// simulated clock, holding one contact-decision clock (and the clocks the same contact starts) per
// child for --children children whose contacts arrived across one working day.
//   ingest    events/s consumed into RocksDB, against the consume-only ceiling of the same topic;
//   idle      CPU (share of one core) and RSS with every clock open and nothing due;
//   live      the simulated clock runs at real speed while red contacts fall due (4 hours):
//             deadline-to-alert-on-topic latency (the alerts topic stamps LogAppendTime);
//   downtime  the watchdog stops, an hour passes, it restarts: seconds until the hour's alerts
//             are all on the topic;
//   burst     the clock jumps past every deadline: alerts out per second, peak RSS;
//   after     idle CPU after the burst (with --settle-seconds, sampled until it falls under 2%).
// Numbers only: nothing here asserts a time (bench/README.md).
#include <CLI/CLI.hpp>

#include <unistd.h>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "bench_util.h"
#include "process.h"
#include "sightline/alerts/v1/alerts.pb.h"
#include "sightline/crypto/digest.h"
#include "sightline/domain/events/validation.h"
#include "sightline/http/client.h"
#include "sightline/kafka/admin.h"
#include "sightline/kafka/consumer.h"
#include "sightline/kafka/producer.h"

using namespace sightline;
using bench::Since;
using bench::SteadyClock;
using std::chrono::seconds;

namespace {

namespace v1 = events::v1;
constexpr const char* kToken = "bench-ops-token-0123456789abcdef0123456789";

std::int64_t Unix(Instant t) {
  return std::chrono::duration_cast<seconds>(t.time_since_epoch()).count();
}

// CPU seconds (user + system) and memory of a process, from /proc.
struct ProcSample {
  double cpu_s = 0;
  long rss_kb = 0, hwm_kb = 0;
};
ProcSample Sample(pid_t pid) {
  ProcSample s;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), {});
  std::istringstream rest(text.substr(text.rfind(')') + 2));
  std::string field;
  double ticks = 0;
  for (int i = 3; rest >> field; ++i) {
    if (i == 14 || i == 15) ticks += std::stod(field);
    if (i == 15) break;
  }
  s.cpu_s = ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
  s.rss_kb = bench::ProcStatusKb(pid, "VmRSS");
  s.hwm_kb = bench::ProcStatusKb(pid, "VmHWM");
  return s;
}

// Share of one core used by `pid` over `window`.
double CpuShare(pid_t pid, std::chrono::milliseconds window) {
  double before = Sample(pid).cpu_s;
  auto t0 = SteadyClock::now();
  std::this_thread::sleep_for(window);
  return (Sample(pid).cpu_s - before) / Since(t0);
}

v1::Envelope Contact(std::size_t i, Instant at) {
  std::string n = std::to_string(i);
  v1::Envelope e;
  e.set_event_id("bwd-contact-" + n);
  e.set_child_id("bwd-child-" + n);
  *e.mutable_occurred_at() = ToTimestamp(at);
  *e.mutable_recorded_at() = ToTimestamp(at);
  e.mutable_actor()->set_user_id("mash-officer-" + std::to_string(i % 40));
  e.mutable_actor()->set_role(v1::ROLE_MASH_PRACTITIONER);
  e.mutable_actor()->set_team_id("mash");
  e.set_source_agency(v1::AGENCY_POLICE);
  e.mutable_refs()->set_contact_id("bwd-c-" + n);
  v1::ContactReceived& c = *e.mutable_contact_received();
  c.set_source(v1::AGENCY_POLICE);
  c.add_concerns(v1::CONCERN_CATEGORY_NEGLECT);
  c.set_summary("Police welfare visit; home conditions poor.");
  return e;
}

// The same contact rated red a minute later: its 4-hour clock runs from the contact's receipt.
v1::Envelope RatedRed(const v1::Envelope& contact) {
  v1::Envelope e = contact;
  e.set_event_id("bwd-red-" + contact.child_id().substr(10));
  Instant at = ToInstant(contact.occurred_at()) + std::chrono::minutes(1);
  *e.mutable_occurred_at() = ToTimestamp(at);
  *e.mutable_recorded_at() = ToTimestamp(at);
  e.mutable_rag_rated()->set_rating(v1::RAG_RATING_RED);
  return e;
}

// Every raised alert on the topic: when it fell due (simulated) and when the broker appended it.
class AlertWatcher {
 public:
  struct Seen {
    std::int64_t due_unix = 0, appended_ms = 0;
  };
  explicit AlertWatcher(std::unique_ptr<kafka::Consumer> c) : consumer_(std::move(c)) {
    thread_ = std::thread([this] { Run(); });
  }
  ~AlertWatcher() {
    stop_ = true;
    thread_.join();
  }
  std::size_t raised() {
    std::lock_guard lock(mu_);
    return seen_.size();
  }
  std::vector<Seen> Snapshot() {
    std::lock_guard lock(mu_);
    return seen_;
  }

 private:
  void Run() {
    while (!stop_) {
      auto batch = consumer_->Poll(5000, std::chrono::milliseconds(100));
      if (!batch.ok()) continue;
      std::lock_guard lock(mu_);
      for (const kafka::Record& r : batch.value()) {
        alerts::v1::AlertEvent e;
        if (!e.ParseFromString(r.value) || e.step() != alerts::v1::STEP_RAISED) continue;
        seen_.push_back({Unix(ToInstant(e.at())), r.timestamp_ms});
      }
    }
  }
  std::unique_ptr<kafka::Consumer> consumer_;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::vector<Seen> seen_;
  std::thread thread_;
};

class Watchdog {
 public:
  Watchdog(std::string bin_dir, std::string dir) : bin_(std::move(bin_dir)), dir_(std::move(dir)) {}
  bool Start() {
    process_ = testing::StartWithPortFile(
        {bin_ + "/sightline-watchdog", "--config", dir_ + "/watchdog.yaml",
         "--simulated-clock-file", dir_ + "/clock"},
        dir_ + "/watchdog." + std::to_string(++starts_) + ".log", dir_ + "/port", url_);
    return process_ != nullptr;
  }
  void Stop() { process_->Stop(); }
  pid_t pid() const { return process_->pid(); }
  void SetClock(std::int64_t unix_s) {
    std::string tmp = dir_ + "/clock.tmp";
    std::ofstream(tmp) << unix_s << "\n";
    std::rename(tmp.c_str(), (dir_ + "/clock").c_str());
  }
  nlohmann::json Ready() {
    auto body = Get("/readyz");
    return body ? nlohmann::json::parse(*body, nullptr, false) : nullptr;
  }
  // Waits until every alert due by `t` is on the topic (the horizon is published after the drain).
  bool WaitTicked(std::int64_t t, std::chrono::seconds timeout) {
    return testing::WaitFor(
        [&] {
          auto j = Ready();
          return j.is_object() && j["horizon_unix"].get<std::int64_t>() >= t &&
                 j["outbox_pending"].get<std::uint64_t>() == 0;
        },
        timeout);
  }
  // A gauge or counter from /metrics (the sum over its series).
  double Metric(const std::string& name) {
    auto body = Get("/metrics");
    if (!body) return -1;
    double sum = 0;
    std::istringstream lines(*body);
    for (std::string line; std::getline(lines, line);) {
      if (line.rfind(name, 0) != 0) continue;
      char next = line.size() > name.size() ? line[name.size()] : ' ';
      if (next != ' ' && next != '{') continue;
      sum += std::stod(line.substr(line.rfind(' ') + 1));
    }
    return sum;
  }

 private:
  // The body of an unauthenticated GET (the service's open endpoints).
  std::optional<std::string> Get(const std::string& path) {
    auto r = http::Send(url_, {.method = "GET",
                               .path = path,
                               .body = {},
                               .content_type = {},
                               .headers = {},
                               .timeout = seconds(10)});
    if (!r.ok()) return std::nullopt;
    return r.value().body;
  }

  std::string bin_, dir_, url_;
  int starts_ = 0;
  std::unique_ptr<testing::Process> process_;
};

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

int Fail(const std::string& why) {
  std::cerr << "watchdog bench: " << why << "\n";
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::string brokers, bin_dir, source_dir, work;
  std::size_t children = 1'000'000;
  int live_seconds = 20;
  CLI::App app{"The watchdog with many open clocks"};
  app.add_option("--brokers", brokers)->required();
  app.add_option("--bin-dir", bin_dir)->required();
  app.add_option("--source-dir", source_dir)->required();
  app.add_option("--work-dir", work)->required();
  app.add_option("--children", children)->check(CLI::Range(1000, 10'000'000));
  app.add_option("--live-seconds", live_seconds)->check(CLI::Range(5, 600));
  int settle_seconds = 0;
  app.add_option("--settle-seconds", settle_seconds,
                 "After the burst, go on sampling idle CPU in 10 s windows until it is under 2% "
                 "of a core or this long has passed (compactions reclaiming the burst's rows)")
      ->check(CLI::Range(0, 3600));
  CLI11_PARSE(app, argc, argv);

  std::string topic = "bench.wd." + std::to_string(getpid());
  std::string alerts = topic + ".alerts";
  auto created = kafka::EnsureTopics(
      brokers, {},
      {{.name = topic, .partitions = 6, .replication_factor = 1, .config = {}},
       {.name = alerts,
        .partitions = 3,
        .replication_factor = 1,
        .config = {{"message.timestamp.type", "LogAppendTime"}}},
       {.name = topic + ".dlq", .partitions = 1, .replication_factor = 1, .config = {}},
       {.name = topic + ".audit", .partitions = 1, .replication_factor = 1, .config = {}}},
      seconds(30));
  if (!created.ok()) return Fail(created.status().message());

  // Contacts spread evenly over Tuesday 6 January 2026, 08:00 to 18:00 (GMT, so UTC).
  using namespace std::chrono;
  Instant day = sys_days{January / 6 / 2026};
  Instant first = day + hours(8);
  const double spacing = 36000.0 / static_cast<double>(children);
  auto producer = kafka::Producer::Create({.brokers = brokers,
                                           .properties = {},
                                           .delivery_timeout = seconds(60),
                                           .client_id = "bench"});
  if (!producer.ok()) return Fail(producer.status().message());
  auto t0 = SteadyClock::now();
  std::vector<kafka::OutboundMessage> chunk;
  const Instant red_from = day + hours(14) + minutes(30);
  const Instant wall_now = Instant::clock::now();
  std::size_t events = 0;
  for (std::size_t i = 0; i < children; ++i) {
    Instant at = first + duration_cast<microseconds>(duration<double>(spacing * double(i)));
    at = floor<seconds>(at);
    std::vector<v1::Envelope> child = {Contact(i, at)};
    // Contacts after 14:30 are rated red: their deadlines fall due from 18:30 (the live phase).
    if (at >= red_from) child.push_back(RatedRed(child[0]));
    for (const v1::Envelope& e : child) {
      if (i == 0 || (i + 1 == children && &e == &child.back())) {
        auto checked = domain::CheckLogRecord(e.child_id(), e.SerializeAsString(), wall_now);
        if (!checked.ok()) return Fail("bench event invalid: " + checked.detail);
      }
      chunk.push_back({topic, e.child_id(), e.SerializeAsString(), {}});
      ++events;
    }
    if (chunk.size() >= 20000 || i + 1 == children) {
      for (const auto& d : producer.value()->SendAndWait(chunk))
        if (!d.status.ok()) return Fail(d.status.message());
      chunk.clear();
    }
  }
  double produce_s = Since(t0);
  t0 = SteadyClock::now();
  auto consumed = bench::ConsumeOnly(brokers, topic);
  if (!consumed.ok()) return Fail(consumed.status().message());
  const double ceiling_s = Since(t0);

  std::string dir = work + "/watchdog";
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/watchdog.yaml")
      << "http: {port: 0}\n"
      << "kafka: {brokers: \"" << brokers << "\", topic: " << topic << ", alerts_topic: " << alerts
      << ", dead_letter_topic: " << topic << ".dlq, audit_topic: " << topic
      << ".audit, group_id: " << topic << ".watchdog}\n"
      << "store: {data_dir: \"" << dir << "/data\"}\n"
      << "policy_file: " << source_dir << "/deploy/watchdog-policy.yaml\n"
      << "auth:\n  tokens:\n    - {id: ops-1, role: service_manager, team: ops, token_sha256: "
      << crypto::Sha256Hex(kToken) << "}\n";
  auto alert_consumer = kafka::Consumer::Create({.brokers = brokers,
                                                 .properties = {},
                                                 .topic = alerts,
                                                 .group_id = alerts + ".bench",
                                                 .client_id = "bench"});
  if (!alert_consumer.ok()) return Fail(alert_consumer.status().message());
  if (auto a = alert_consumer.value()->AssignFrom({}, seconds(10)); !a.ok())
    return Fail(a.status().message());
  AlertWatcher watcher(std::move(alert_consumer).value());

  // Ingest: every contact consumed at 18:00:01, when none is due yet.
  Watchdog wd(bin_dir, dir);
  std::int64_t evening = Unix(day + hours(18) + seconds(1));
  wd.SetClock(evening);
  t0 = SteadyClock::now();
  if (!wd.Start()) return Fail("watchdog did not start; see " + dir);
  if (!testing::WaitFor(
          [&] {
            return wd.Metric("sightline_watchdog_events_total") >= double(events) &&
                   wd.WaitTicked(evening, seconds(0));
          },
          std::chrono::minutes(30)))
    return Fail("watchdog did not consume every contact; see " + dir);
  double ingest_s = Since(t0);
  std::this_thread::sleep_for(seconds(3));  // Gauges refresh every 2 s.
  double open_clocks = wd.Metric("sightline_watchdog_open_clocks");
  double idle_cpu = CpuShare(wd.pid(), seconds(10));
  ProcSample idle = Sample(wd.pid());

  // Live: the red contacts' 4-hour deadlines fall due while the simulated clock runs at real
  // speed from just before 18:30 (about 28 a second with a million children).
  std::int64_t live_start = Unix(day + hours(18) + minutes(30)) - 2;
  auto wall0 = system_clock::now();
  std::atomic<bool> run_clock{true};
  std::thread clock_thread([&] {
    while (run_clock) {
      wd.SetClock(live_start + duration_cast<seconds>(system_clock::now() - wall0).count());
      std::this_thread::sleep_for(milliseconds(50));
    }
  });
  std::this_thread::sleep_for(seconds(live_seconds));
  run_clock = false;
  clock_thread.join();
  std::int64_t live_end = live_start + duration_cast<seconds>(system_clock::now() - wall0).count();
  wd.SetClock(live_end);
  if (!wd.WaitTicked(live_end, std::chrono::minutes(5))) return Fail("live phase did not settle");
  std::vector<double> delays;
  double wall0_ms = double(duration_cast<milliseconds>(wall0.time_since_epoch()).count());
  for (const auto& s : watcher.Snapshot()) {
    // The wall time at which the simulated clock reached the due second.
    double due_wall_ms = wall0_ms + 1000.0 * double(s.due_unix - live_start);
    delays.push_back(std::max(0.0, (double(s.appended_ms) - due_wall_ms) / 1000.0));
  }
  std::size_t live_alerts = watcher.raised();

  // Downtime: stopped for an hour of simulated time.
  wd.Stop();
  std::int64_t after_hour = live_end + 3600;
  wd.SetClock(after_hour);
  std::size_t before_restart = watcher.raised();
  t0 = SteadyClock::now();
  if (!wd.Start()) return Fail("watchdog did not restart");
  if (!wd.WaitTicked(after_hour, std::chrono::minutes(10))) return Fail("restart did not settle");
  double restart_s = Since(t0);
  std::size_t hour_alerts = watcher.raised() - before_restart;

  // Burst: past every deadline (the next Monday): every contact-decision clock raises.
  std::int64_t monday = Unix(day + days(6) + hours(9));
  std::size_t before_burst = watcher.raised();
  wd.SetClock(monday);
  t0 = SteadyClock::now();
  long burst_peak_kb = 0;
  bool settled = testing::WaitFor(
      [&] {
        burst_peak_kb = std::max(burst_peak_kb, Sample(wd.pid()).rss_kb);
        return wd.WaitTicked(monday, seconds(0));
      },
      std::chrono::minutes(20));
  if (!settled) return Fail("burst did not settle");
  double burst_s = Since(t0);
  std::size_t burst_alerts = watcher.raised() - before_burst;
  std::this_thread::sleep_for(seconds(3));
  double after_cpu = CpuShare(wd.pid(), seconds(10));
  // How long the idle CPU takes to fall under 2% after the burst, when asked: one 10 s window at
  // a time, from 3 s after the last alert.
  std::vector<std::pair<double, double>> settling;  // (seconds since the burst, share of a core)
  auto burst_end = SteadyClock::now() - seconds(13);
  if (settle_seconds > 0) settling.emplace_back(13, after_cpu);
  while (after_cpu >= 0.02 && Since(burst_end) < settle_seconds) {
    after_cpu = CpuShare(wd.pid(), seconds(10));
    settling.emplace_back(Since(burst_end), after_cpu);
  }
  ProcSample after = Sample(wd.pid());
  wd.Stop();

  double n = double(events);
  std::printf("children                  %zu (one contact each, red after 14:30; %zu events)\n",
              children, events);
  std::printf("open clocks               %.0f\n", open_clocks);
  std::printf("produce (acks=all)        %9.0f events/s (%.1f s)\n", n / produce_s, produce_s);
  std::printf("consume only (ceiling)    %9.0f events/s (%.1f s)\n", n / ceiling_s, ceiling_s);
  std::printf("watchdog ingest           %9.0f events/s (%.1f s, start-up included)\n",
              n / ingest_s, ingest_s);
  std::printf("ratio ingest/ceiling      %.3f\n", ceiling_s / ingest_s);
  std::printf("idle, all clocks open     %.2f%% of a core, RSS %.0f MiB\n", 100 * idle_cpu,
              double(idle.rss_kb) / 1024);
  std::printf("live: %zu alerts in %d s; deadline-to-topic p50 %.3f s, p99 %.3f s, max %.3f s\n",
              live_alerts, live_seconds, Percentile(delays, 0.5), Percentile(delays, 0.99),
              Percentile(delays, 1.0));
  std::printf("after 1 h down: %zu alerts on the topic %.2f s after restart\n", hour_alerts,
              restart_s);
  std::printf("burst: %zu alerts in %.1f s (%.0f alerts/s), RSS peak %.0f MiB\n", burst_alerts,
              burst_s, double(burst_alerts) / burst_s, double(burst_peak_kb) / 1024);
  std::printf("idle after the burst      %.2f%% of a core, RSS %.0f MiB (high-water %.0f MiB)\n",
              100 * after_cpu, double(after.rss_kb) / 1024, double(after.hwm_kb) / 1024);
  for (const auto& [at, share] : settling)
    std::printf("  settling: %.1f%% of a core in the 10 s to %.0f s after the burst\n", 100 * share,
                at);
  return 0;
}
