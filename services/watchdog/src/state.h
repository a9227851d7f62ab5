// sightline-watchdog's durable state in RocksDB and the two ways it changes:
//   - ApplyBatch: consumed events; each touched child is reconciled at the horizon (the last
//     caught-up tick), so a backlog never fires a deadline whose awaited event is further down
//     the log;
//   - Tick: the wall clock passed some next-wake times; those children are reconciled at now.
// Either way one WriteBatch holds the child's events, its alert ledger, its deadline-index rows,
// the outbox rows of the alert events to emit, and the horizon (a batch's offsets are added by
// the consumer shell, ADR 0007). The outbox
// is drained to sightline.alerts.v1 afterwards; a crash between sending and deleting resends the
// same event ids, which consumers collapse (docs/adr/0005-watchdog.md).
//
// Column families:
//   events     stream \0 event_id       -> Envelope bytes
//   ledgers    stream                   -> ChildLedger
//   deadlines  wake(8 bytes BE) stream \0 clock_id -> Deadline  (wake all-ones: nothing pending)
//   raised     due(8 bytes BE) stream \0 clock_id  -> Deadline  (the open alerts, oldest first)
//   tallies    "rule/<rule>", "alerts/<state>/<level>" -> count (8 bytes BE): the gauges
// A stream is a child's id, or a household's, team's or service area's ("@team:<id>", ...: the
// copies of children's events its rules read, domain/clocks subjects.h, ADR 0013).
//   outbox     sequence (8 bytes BE)    -> AlertEvent bytes
//   meta       "horizon", "outbox_seq", "outbox_floor", "deadline_floor", "heartbeat",
//              "heartbeat_passed", the shell's offsets rows
// Nothing is read by scanning from the start on a timer (ADR 0014): the deadline index is read
// from its floor (every row below the last complete tick has been reconciled), the outbox from
// its first undelivered sequence (delivered ranges are deleted with one range tombstone), the
// oldest open alert from a remembered lower bound, and the gauges from the tallies, which each
// reconciliation adjusts by what it changed.
// One writer thread; readers (the API) may run alongside.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "sightline/alerts/v1/alerts.pb.h"
#include "sightline/consumer/shell.h"
#include "sightline/domain/clocks/clocks.h"
#include "sightline/kafka/record.h"
#include "sightline/storage/store.h"
#include "sightline/watchdog/v1/watchdog.pb.h"

namespace sightline::watchdog_service {

// A consumed batch or a tick: writes, dead letters (batches only) and the alert events it emits.
struct Change : consumer::Batch {
  // Alert events put in the outbox, counted by step and rule for the metrics (the events
  // themselves are only in the outbox: a burst keeps no second copy in memory).
  std::map<std::pair<alerts::v1::Step, std::string>, std::size_t> emitted;
  std::size_t EmittedTotal() const {
    std::size_t n = 0;
    for (const auto& [key, count] : emitted) n += count;
    return n;
  }
  std::size_t applied = 0, duplicates = 0, children = 0;
  // Tick only: false when `max_streams` stopped it early (tick again at the same `now`).
  bool complete = true;
};

// What the gauges show, read from the tallies (no scan of the clocks).
struct Gauges {
  std::map<std::string, std::int64_t> open_by_rule;
  std::map<std::pair<std::string, int>, std::int64_t> alerts;  // (state, level) -> count
  std::optional<Instant> oldest_due;                           // Of the open alerts.
};

class WatchdogState {
 public:
  // The column family that holds the consumer shell's offsets rows.
  static constexpr char kOffsetsFamily[] = "meta";

  // `create`: make a new store when there is none (serve); false refuses (dump).
  static StatusOr<std::unique_ptr<WatchdogState>> Open(const std::string& path, bool sync_writes,
                                                       const domain::ClockPolicy& policy,
                                                       bool create);

  // Prepares the batch: validation happens against `wall_now`; alert events carry `emitted_at`.
  // The consumer shell writes it (with the offsets).
  StatusOr<Change> ApplyBatch(std::span<const kafka::Record> records, Instant wall_now,
                              Instant emitted_at);
  // Up to `max_streams` streams whose next wake is at or before `now`, reconciled at horizon
  // `now`. While `complete` is false, call again with the same `now` after committing: it goes
  // on from where this one stopped. The complete one moves the horizon and the index's floor.
  StatusOr<Change> Tick(Instant now, std::size_t max_streams);
  // Writes a tick's change (a batch's is written by the shell).
  Status Commit(const Change& change);
  // Taking over from another instance (ADR 0022): what the alerts topic shows was emitted goes
  // into the ledgers, so the next ticks send only what is missing. Writes at once; returns how
  // many ledgers changed.
  StatusOr<std::size_t> Adopt(std::span<const alerts::v1::AlertEvent> emitted);
  // The earliest next wake in the deadline index (nullopt: none pending), read from the floor.
  StatusOr<std::optional<Instant>> NextWake() const;

  // Outbox rows in order (sequence, AlertEvent bytes), at most `limit`, from the first
  // undelivered one.
  StatusOr<std::vector<std::pair<std::uint64_t, std::string>>> Outbox(std::size_t limit) const;
  // Every row before sequence `end` is on the topic: one range deletion.
  Status Delivered(std::uint64_t end);
  // Rows in the outbox (sequence numbers are dense: next minus first undelivered, no scan).
  StatusOr<std::uint64_t> OutboxDepth() const;

  StatusOr<std::optional<Instant>> Horizon() const;
  StatusOr<Gauges> ReadGauges() const;
  // Open alerts (raised clocks), oldest due first, at most `limit`; `more` says there were more.
  StatusOr<std::vector<watchdog::v1::Deadline>> OpenAlerts(std::size_t limit, bool& more) const;
  // The open clocks about one child: its own stream's and its households'.
  StatusOr<std::vector<watchdog::v1::Deadline>> ClocksOf(const std::string& child) const;
  // Every open clock (deadline-index rows), earliest wake first: a full scan (dump, tests).
  StatusOr<std::vector<watchdog::v1::Deadline>> OpenClocks() const;
  // SHA-256 over the deadline index, and its row count.
  StatusOr<std::pair<std::string, std::size_t>> DeadlineDigest() const;
  storage::Store& store() { return *store_; }

 private:
  WatchdogState(std::unique_ptr<storage::Store> store, const domain::ClockPolicy& policy)
      : store_(std::move(store)), policy_(policy) {}
  Status LoadFloors();
  // Fills the tallies and the open-alert index of a store written before them (once).
  Status MigrateTallies();
  // `events`: everything the stream (a child's, or a subject's) holds, fresh ones included.
  // Changed tallies are added to `tallies`.
  Status Reconcile(const std::string& child, std::vector<events::v1::Envelope> events,
                   Instant horizon, Instant emitted_at, Change& change, std::uint64_t& seq,
                   std::map<std::string, std::int64_t>& tallies);
  // Writes the tallies' new values (committed value plus delta) into the change.
  Status AddTallies(const std::map<std::string, std::int64_t>& deltas, Change& change) const;
  StatusOr<std::uint64_t> NextSeq() const;
  std::string RaisedFloor() const;
  void LowerRaisedFloor(const std::string& key) const;

  std::unique_ptr<storage::Store> store_;
  const domain::ClockPolicy& policy_;
  // Writer thread only: where the deadline index's live rows begin (every row below the last
  // complete tick has been reconciled), where an unfinished tick goes on, the first undelivered
  // outbox sequence.
  std::string deadline_floor_;
  std::string tick_resume_;
  std::uint64_t outbox_floor_ = 0;
  // No open alert is keyed below this (readers use it too).
  mutable std::mutex raised_mu_;
  mutable std::string raised_floor_;
};

}  // namespace sightline::watchdog_service
