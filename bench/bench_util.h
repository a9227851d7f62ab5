// Helpers the benchmarks share: elapsed time, and the consume-only ceiling of a topic.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <fstream>
#include <map>
#include <string>
#include <string_view>

#include "sightline/kafka/consumer.h"

namespace sightline::bench {

using SteadyClock = std::chrono::steady_clock;

inline double Since(SteadyClock::time_point t) {
  return std::chrono::duration<double>(SteadyClock::now() - t).count();
}

// A "<field>: <n> kB" line of /proc/<pid>/status (VmRSS, VmHWM), in kB; 0 when absent.
inline long ProcStatusKb(pid_t pid, std::string_view field) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);) {
    if (line.size() > field.size() && line.starts_with(field) && line[field.size()] == ':')
      return std::stol(line.substr(field.size() + 1));
  }
  return 0;
}

// Consumes every message of the topic from the start, doing nothing with it (the ceiling for
// any consumer of it). Returns how many it read.
inline StatusOr<std::size_t> ConsumeOnly(const std::string& brokers, const std::string& topic) {
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
    auto batch = c.value()->Poll(5000, std::chrono::milliseconds(1000));
    if (!batch.ok()) return batch.status();
    seen += batch.value().size();
  }
  return seen;
}

}  // namespace sightline::bench
