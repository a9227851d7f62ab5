// The projector's consume loop: poll a batch, prepare it (Applier), get its dead letters
// acknowledged by the dead-letter topic, commit the WriteBatch with the offsets, then tell
// stream clients and the consumer group (advisory). On start and after any failed batch it seeks
// to the offsets stored in RocksDB, so a crash or retry never skips or re-applies an event.
//
// Errors (docs/adr/0001-error-handling.md): a broker or disk hiccup is retried with backoff and
// nothing advances; corrupted state (kInternal) stops the loop and the process, loudly.
//
// Run() blocks on the calling thread until `stop` is set, the rebuild target is reached, or a
// fatal error. Progress() may be called from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>

#include "applier.h"
#include "change_feed.h"
#include "metrics.h"
#include "sightline/clock/clock.h"
#include "sightline/kafka/consumer.h"
#include "sightline/kafka/producer.h"

namespace sightline::projector {

struct LoopOptions {
  std::string topic;
  std::string dlq_topic;
  std::size_t batch_max_events = 2000;
  std::chrono::milliseconds batch_wait{100};
  std::int64_t ready_max_lag = 1000;
  bool stop_when_caught_up = false;  // Rebuild: stop at the high watermarks seen at start.
};

struct PartitionProgress {
  std::int64_t applied_next = 0;     // Next offset to apply (as stored).
  std::int64_t high_watermark = -1;  // -1 until the broker has answered.
};

struct Progress {
  std::map<std::int32_t, PartitionProgress> partitions;
  bool caught_up = false;  // Every partition within ready_max_lag (and answered).
  bool ever_caught_up = false;
  std::uint64_t events_applied = 0;
  std::uint64_t events_dead_lettered = 0;
  std::string last_error;
};

class ConsumeLoop {
 public:
  ConsumeLoop(kafka::Consumer& consumer, kafka::Producer& dlq, Applier& applier,
              storage::Store& store, ProjectorMetrics& metrics, ChangeFeed* feed,
              const Clock& clock, LoopOptions options);

  Status Run(const std::atomic<bool>& stop);
  Progress Snapshot() const;

 private:
  Status Start(const std::atomic<bool>& stop);
  Status ApplyBatch(const std::vector<kafka::Record>& records);
  Status Rewind();
  void RefreshWatermarks();
  void RefreshQueueFigures();
  bool TargetReached() const;
  void Backoff(const std::atomic<bool>& stop, const Status& why);

  kafka::Consumer& consumer_;
  kafka::Producer& dlq_;
  Applier& applier_;
  storage::Store& store_;
  ProjectorMetrics& metrics_;
  ChangeFeed* feed_;
  const Clock& clock_;
  LoopOptions options_;
  mutable std::mutex mu_;
  Progress progress_;
  std::map<std::int32_t, std::int64_t> target_;
  std::chrono::milliseconds backoff_{100};
};

}  // namespace sightline::projector
