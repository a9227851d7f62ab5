// Leadership through a Kafka consumer group, as Kafka Connect and Schema Registry elect theirs:
// every instance of a service joins one group on a topic with a single partition, and the member
// the group coordinator assigns that partition holds the lease. Nothing is ever produced to the
// topic; the group protocol is the whole mechanism (ADR 0022).
//
// When the holder dies, the coordinator notices after `session_timeout` without a heartbeat and
// gives the partition to another member; a holder that stops cleanly leaves the group at once, so
// the hand-over takes one rebalance. A holder cut off from the coordinator learns that its
// session expired and drops the lease itself (librdkafka reports the assignment lost). Two
// holders can overlap briefly (a paused process resumes before it has heard); the services that
// use a lease are written so that an overlap costs duplicates with the same ids, never a wrong
// or lost step.
//
// A thread of the lease's own serves the group protocol; Held() may be asked from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "sightline/core/status.h"
#include "sightline/kafka/properties.h"

namespace sightline::kafka {

struct LeaseOptions {
  std::string brokers;
  Properties properties;  // Pass-through (TLS, SASL), as the service's other clients.
  std::string topic;      // One partition.
  std::string group_id;   // One group per service: the watchdog's and the notifier's differ.
  std::string client_id;
  std::chrono::milliseconds session_timeout{10000};
};

class Lease {
 public:
  static StatusOr<std::unique_ptr<Lease>> Create(const LeaseOptions& options);
  ~Lease();  // Leaves the group, so another member takes over without waiting for a timeout.
  Lease(const Lease&) = delete;
  Lease& operator=(const Lease&) = delete;

  bool Held() const { return held_.load(); }
  // Counts acquisitions: a holder compares it to learn that it lost and regained the lease.
  std::uint64_t Generation() const { return generation_.load(); }

  // Offsets kept in the lease's group for partitions of another topic: how far the holder has
  // finished its work (the notifier's delivered watermark), for the next holder to read.
  // Commit is asynchronous (a failure shows in the next Committed); Committed asks the group
  // coordinator and waits at most `timeout`. Partitions never committed are left out.
  Status Commit(const std::string& topic, const std::map<std::int32_t, std::int64_t>& offsets);
  StatusOr<std::map<std::int32_t, std::int64_t>> Committed(
      const std::string& topic, const std::vector<std::int32_t>& partitions,
      std::chrono::milliseconds timeout);

 private:
  struct Impl;
  explicit Lease(std::unique_ptr<Impl> impl);
  friend struct LeaseCallbacks;
  std::unique_ptr<Impl> impl_;
  std::atomic<bool> held_{false};
  std::atomic<std::uint64_t> generation_{0};
};

}  // namespace sightline::kafka
