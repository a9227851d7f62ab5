// The consumer shell: the one place that keeps Sightline's delivery guarantee for a service that
// consumes a topic into a RocksDB store (the projector, the watchdog, the notifier; ADR 0007).
//
// What the shell owns, so that no service writes it again:
//   - assignment of every partition from the offsets stored *in the service's store* (the Kafka
//     group commit is advisory, for dashboards only);
//   - polling in batches; records on the wrong partition for their key become dead letters;
//   - the order of a commit: the batch's dead letters acknowledged by the
//     dead-letter topic first, then the service's writes and the next offsets in one WriteBatch;
//   - on any failure: log it, back off (100 ms doubling to 5 s), rewind to the stored offsets, so
//     nothing is skipped and nothing applied twice; kInternal (corrupted state) stops the loop;
//   - the view of progress: high watermarks, lag, caught-up (all partitions within
//     ready_max_lag once the watermarks seen at start are reached), the metrics for them, and the
//     status that /readyz answers with.
//
// What a service supplies (Handler below): Prepare (records -> writes and dead letters, reading
// its state but writing nothing), Committed (what follows once the change is durable: metrics,
// feeds), and optionally Turn (its own work between polls: ticks, outbox, deliveries) and
// WantsRecords (back-pressure).
//
// Threads: Run() and everything it calls run on one thread; Snapshot() may be called from any
// thread (the HTTP API).
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <vector>

#include "sightline/core/status.h"
#include "sightline/kafka/consumer.h"
#include "sightline/kafka/producer.h"
#include "sightline/kafka/record.h"
#include "sightline/storage/store.h"

namespace sightline::consumer {

// A record the service cannot use; it goes to the dead-letter topic with these reasons.
struct DeadLetter {
  const kafka::Record* record;  // Points into the batch being prepared.
  std::string reason;           // Short, for a metric label: undecodable, invalid, ...
  std::string detail;           // For the operator: which field and why.
};

// What a service's Prepare produces. A service's own change type derives from it and adds what
// its Committed needs (counts, emitted events, changed ids).
struct Batch {
  storage::WriteBatch writes;    // The state change; the shell adds the next offsets.
  std::vector<DeadLetter> dead;  // Acknowledged by the dead-letter topic before the commit.
};

struct Options {
  // "sightline-projector": log lines, the dead-letter header, and (with _ for -) the prefix of
  // the shell's metric names, as in sightline_projector_consumer_lag.
  std::string service;
  std::string topic;       // The topic consumed.
  std::string dlq_topic;   // Where dead letters go.
  std::string offsets_cf;  // Column family of the store that holds the offsets rows.
  std::size_t batch_max_records = 1000;
  std::chrono::milliseconds batch_wait{100};  // Longest wait for the first record of a batch.
  std::int64_t ready_max_lag = 0;             // Caught up: every partition at most this far behind.
  std::chrono::milliseconds watermarks_every{1000};
  bool stop_when_caught_up = false;  // A rebuild: Run returns once the start watermarks are met.
};

struct PartitionStatus {
  std::int64_t applied_next = 0;     // Next offset to apply, as stored.
  std::int64_t high_watermark = -1;  // -1 until the broker has answered.
  // Records not yet applied (0 until the broker has answered).
  std::int64_t Lag() const {
    return high_watermark < 0 ? 0 : std::max<std::int64_t>(0, high_watermark - applied_next);
  }
};

struct ShellStatus {
  std::map<std::int32_t, PartitionStatus> partitions;
  bool caught_up = false;  // Start watermarks reached and every partition within the lag.
  bool ever_caught_up = false;
  std::uint64_t records_committed = 0;
  std::uint64_t dead_lettered = 0;
  std::uint64_t failures = 0;  // Failed turns (each followed by backoff and rewind).
  std::string last_error;      // The newest failure; cleared by the next good turn.
  // Ready for traffic that depends on this projection: caught up and not failing.
  bool Ready() const { return caught_up && last_error.empty(); }
  // Records not yet applied, over every partition.
  std::int64_t Behind() const {
    std::int64_t lag = 0;
    for (const auto& [p, pp] : partitions) lag += pp.Lag();
    return lag;
  }
};

// The status as /readyz and /v1/status show it (docs/api/openapi.yaml, ConsumerStatus).
nlohmann::json ToJson(const ShellStatus& status);

class Shell;

// What a service supplies. `Change` derives from Batch.
template <class Change>
class Handler {
 public:
  virtual ~Handler() = default;
  // Decides what `records` do: writes and dead letters. Reads state; writes nothing. An error
  // other than kInternal is retried (backoff, rewind); kInternal stops the service.
  virtual StatusOr<Change> Prepare(std::span<const kafka::Record> records) = 0;
  // The change and its offsets are durable: publish what follows (metrics, feeds).
  virtual void Committed(const Change& change) = 0;
  // The service's own work, once per loop turn before polling; failures are retried like a
  // failed batch.
  virtual Status Turn(Shell& shell) {
    static_cast<void>(shell);
    return Status::Ok();
  }
  // False leaves the records in Kafka for this turn (a full queue downstream).
  virtual bool WantsRecords() { return true; }
};

class Shell {
 public:
  Shell(kafka::Consumer& consumer, kafka::Producer& dlq, storage::Store& store,
        prometheus::Registry& registry, Options options);

  // Consumes until `stop` is set, a fatal error, or (stop_when_caught_up) the target is reached.
  template <class Change>
  Status Run(Handler<Change>& handler, const std::atomic<bool>& stop);

  ShellStatus Snapshot() const;
  // Asks the broker for the high watermarks now and returns whether every partition is caught
  // up (see ShellStatus): for work that must not act on a stale view, like the watchdog's tick,
  // which reads its clock *before* calling this. A broker that does not answer is "not caught
  // up", never an error.
  bool RefreshWatermarks();
  // From now on reads offsets from and commits to `store` (it must have the same offsets layout),
  // rewinding the consumer to its offsets. Only from the handler's Turn, on Run's thread: the
  // projector swapping in a store rebuilt while it served (ADR 0016). A failure is the turn's.
  Status Rebase(storage::Store& store);

 private:
  Status Start(const std::atomic<bool>& stop);
  Status Rewind();
  // Logs and counts a failed turn, then waits out the backoff (doubling up to 5 s).
  void BackOff(const Status& why, const std::atomic<bool>& stop);
  // BackOff, then rewind to the stored offsets; only kInternal is returned.
  Status Recover(const Status& why, const std::atomic<bool>& stop);
  void Succeeded();
  bool TargetReached() const;
  StatusOr<std::vector<kafka::Record>> Poll();
  // A record whose key belongs on another partition (kafka/partitioner.h) was written by a
  // producer with another partitioner: applied, it could overtake or trail the child's other
  // events. It becomes a dead letter (wrong_partition) in `misplaced`; when there are any, the
  // others are returned for the service (else nothing is copied and `records` stays whole).
  std::vector<kafka::Record> Misplaced(const std::vector<kafka::Record>& records,
                                       std::vector<DeadLetter>& misplaced) const;
  Status Commit(Batch& batch, std::span<const kafka::Record> records);
  void Sleep(std::chrono::milliseconds d, const std::atomic<bool>& stop) const;
  void UpdateLagLocked();

  kafka::Consumer& consumer_;
  kafka::Producer& dlq_;
  storage::Store* store_;
  Options options_;
  prometheus::Family<prometheus::Gauge>& lag_;
  prometheus::Family<prometheus::Gauge>& applied_offset_;
  prometheus::Gauge& caught_up_gauge_;
  prometheus::Counter& failures_;
  prometheus::Family<prometheus::Counter>& records_;

  std::int32_t partition_count_ = 0;  // Of the topic, as of the last assignment.
  mutable std::mutex mu_;
  ShellStatus status_;
  std::map<std::int32_t, std::int64_t> target_;  // High watermarks seen at start.
  std::chrono::milliseconds backoff_{100};
  std::chrono::steady_clock::time_point last_watermarks_{};
};

template <class Change>
Status Shell::Run(Handler<Change>& handler, const std::atomic<bool>& stop) {
  if (Status s = Start(stop); !s.ok()) return s;
  while (!stop) {
    if (std::chrono::steady_clock::now() - last_watermarks_ >= options_.watermarks_every)
      RefreshWatermarks();
    if (options_.stop_when_caught_up && TargetReached()) return Status::Ok();
    Status s = handler.Turn(*this);
    if (s.ok() && !handler.WantsRecords()) {
      Sleep(options_.batch_wait, stop);
    } else if (s.ok()) {
      auto records = Poll();
      if (!records.ok()) {
        s = records.status();
      } else if (!records.value().empty()) {
        // Records on the wrong partition for their key never reach the service (see Misplaced).
        std::vector<DeadLetter> misplaced;
        std::vector<kafka::Record> placed = Misplaced(records.value(), misplaced);
        auto change =
            handler.Prepare(misplaced.empty() ? std::span<const kafka::Record>(records.value())
                                              : std::span<const kafka::Record>(placed));
        if (!change.ok()) {
          s = change.status();
        } else {
          change.value().dead.insert(change.value().dead.end(), misplaced.begin(), misplaced.end());
          s = Commit(change.value(), records.value());
          if (s.ok()) handler.Committed(change.value());
        }
      }
    }
    if (s.ok()) {
      Succeeded();
      continue;
    }
    if (s.code() == StatusCode::kInternal) return s;
    if (Status r = Recover(s, stop); !r.ok()) return r;
  }
  return Status::Ok();
}

}  // namespace sightline::consumer
