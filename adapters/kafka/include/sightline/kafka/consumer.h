// A Kafka consumer for services that keep their offsets beside their state (the projector's
// RocksDB): it is assigned every partition of one topic at offsets the caller supplies, and the
// consumer group commit is advisory only (for lag dashboards), never the truth.
//
// Lifecycle: Create(), Assign(offsets), then Poll() in a loop on one thread. Assign() again
// rewinds to the given offsets (after a failed batch). Not thread-safe: one owner thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "sightline/core/status.h"
#include "sightline/kafka/properties.h"
#include "sightline/kafka/record.h"

namespace sightline::kafka {

struct ConsumerOptions {
  std::string brokers;
  Properties properties;
  std::string topic;
  std::string group_id;  // Used for advisory commits only.
  std::string client_id = "sightline";
};

// The offset to start a partition at when nothing is stored yet.
inline constexpr std::int64_t kOffsetBeginning = -2;

class Consumer {
 public:
  static StatusOr<std::unique_ptr<Consumer>> Create(const ConsumerOptions& options);
  ~Consumer();
  Consumer(const Consumer&) = delete;
  Consumer& operator=(const Consumer&) = delete;

  // Partition count of the topic (waits for metadata up to timeout).
  StatusOr<int> Partitions(std::chrono::milliseconds timeout);
  // Starts (or restarts) fetching each partition at the given next offset.
  Status Assign(const std::map<std::int32_t, std::int64_t>& next_offsets);
  // Assigns every partition of the topic: from its offset in `stored` (a consumer that keeps its
  // offsets with its state) or from the beginning. Returns the next offset per partition (0 for
  // the beginning).
  StatusOr<std::map<std::int32_t, std::int64_t>> AssignFrom(
      const std::map<std::int32_t, std::int64_t>& stored, std::chrono::milliseconds timeout);
  // Up to max_records messages, waiting at most `wait` for the first one. Transport errors are
  // retried inside librdkafka and not returned; a fatal consumer error is kInternal.
  StatusOr<std::vector<Record>> Poll(std::size_t max_records, std::chrono::milliseconds wait);
  // High watermark per partition, asked of the broker; kUnavailable when it does not answer
  // within `timeout` (bounded even while the broker is down; see consumer.cc).
  StatusOr<std::map<std::int32_t, std::int64_t>> HighWatermarks(std::chrono::milliseconds timeout);
  // Records progress in the consumer group, asynchronously; failures are only logged by Kafka.
  void CommitAdvisory(const std::map<std::int32_t, std::int64_t>& next_offsets);

 private:
  struct Impl;
  explicit Consumer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sightline::kafka
