// Projector throughput against a real broker: events/s from Kafka into RocksDB (a full
// `sightline-projector rebuild` of the topic) next to the rate at which the same topic is merely
// consumed (the ceiling), and their ratio. Run by `make bench` (scripts/bench.sh), which starts a
// private broker. Numbers only: nothing here asserts a time.
#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>

#include "sightline/kafka/admin.h"
#include "sightline/kafka/consumer.h"
#include "sightline/kafka/producer.h"
#include "sightline/simulator/simulate.h"

using namespace sightline;
using Clock = std::chrono::steady_clock;

namespace {

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

// Consumes every message of the topic from the start, doing nothing with it.
StatusOr<std::size_t> ConsumeOnly(const std::string& brokers, const std::string& topic) {
  auto c = kafka::Consumer::Create({.brokers = brokers,
                                    .properties = {},
                                    .topic = topic,
                                    .group_id = topic + ".bench",
                                    .client_id = "bench"});
  if (!c.ok()) return c.status();
  auto n = c.value()->Partitions(std::chrono::seconds(10));
  if (!n.ok()) return n.status();
  auto hw = c.value()->HighWatermarks(std::chrono::seconds(10));
  if (!hw.ok()) return hw.status();
  std::map<std::int32_t, std::int64_t> start;
  std::size_t total = 0;
  for (const auto& [p, high] : hw.value()) {
    start[p] = kafka::kOffsetBeginning;
    total += static_cast<std::size_t>(high);
  }
  if (Status s = c.value()->Assign(start); !s.ok()) return s;
  std::size_t seen = 0;
  while (seen < total) {
    auto batch = c.value()->Poll(2000, std::chrono::milliseconds(1000));
    if (!batch.ok()) return batch.status();
    seen += batch.value().size();
  }
  return seen;
}

}  // namespace

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
  CLI11_PARSE(app, argc, argv);

  std::string topic = "bench.events." + std::to_string(getpid());
  auto created = kafka::EnsureTopics(
      brokers, {},
      {{.name = topic, .partitions = 6, .replication_factor = 1, .config = {}},
       {.name = topic + ".dlq", .partitions = 1, .replication_factor = 1, .config = {}}},
      std::chrono::seconds(30));
  if (!created.ok()) return std::cerr << created.status().message() << "\n", 1;
  domain::SimulationParams p;
  p.seed = 42;
  p.start_day = std::chrono::sys_days{std::chrono::January / 5 / 2026};
  p.days = days;
  p.contacts_per_day = per_day;
  auto events = domain::Simulate(p);
  std::vector<kafka::OutboundMessage> messages;
  for (const auto& e : events) {
    kafka::OutboundMessage& m = messages.emplace_back();
    m.topic = topic;
    m.key = e.child_id();
    e.SerializeToString(&m.value);
  }
  auto producer = kafka::Producer::Create({.brokers = brokers,
                                           .properties = {},
                                           .delivery_timeout = std::chrono::seconds(60),
                                           .client_id = "bench"});
  if (!producer.ok()) return std::cerr << producer.status().message() << "\n", 1;
  auto t0 = Clock::now();
  for (std::size_t i = 0; i < messages.size(); i += 10000) {
    std::size_t n = std::min<std::size_t>(10000, messages.size() - i);
    for (const auto& d : producer.value()->SendAndWait(std::span(messages).subspan(i, n)))
      if (!d.status.ok()) return std::cerr << d.status.message() << "\n", 1;
  }
  double produce_s = Seconds(t0);

  t0 = Clock::now();
  auto consumed = ConsumeOnly(brokers, topic);
  if (!consumed.ok()) return std::cerr << consumed.status().message() << "\n", 1;
  double consume_s = Seconds(t0);

  std::ofstream(work + "/bench.yaml")
      << "http: {port: 0, web_root: \"\"}\n"
      << "kafka: {brokers: \"" << brokers << "\", topic: " << topic
      << ", dead_letter_topic: " << topic << ".dlq, group_id: " << topic << ".projector}\n"
      << "store: {data_dir: \"" << work << "/store\"}\n"
      << "clocks: {calendar_file: \"" << source_dir
      << "/deploy/calendar/england-and-wales.txt\"}\n";
  std::string cmd = bin_dir + "/sightline-projector --config " + work + "/bench.yaml rebuild > " +
                    work + "/rebuild.log 2>&1";
  t0 = Clock::now();
  int rc = std::system(cmd.c_str());
  double project_s = Seconds(t0);
  if (rc != 0) return std::cerr << "rebuild failed; see " << work << "/rebuild.log\n", 1;

  double n = static_cast<double>(messages.size());
  std::printf("events                 %zu (%d simulated days, %d contacts/day, 6 partitions)\n",
              messages.size(), days, per_day);
  std::printf("produce (acks=all)     %8.0f events/s  (%.2f s)\n", n / produce_s, produce_s);
  std::printf("consume only (ceiling) %8.0f events/s  (%.2f s)\n",
              static_cast<double>(consumed.value()) / consume_s, consume_s);
  std::printf(
      "project into RocksDB   %8.0f events/s  (%.2f s, rebuild incl. start-up and the final "
      "fold)\n",
      n / project_s, project_s);
  std::printf("ratio projector/ceiling %.3f\n", consume_s / project_s);
  return 0;
}
