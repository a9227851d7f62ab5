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
// A stream is a child's id, or a household's, team's or service area's ("@team:<id>", ...: the
// copies of children's events its rules read, domain/clocks subjects.h, ADR 0013).
//   outbox     sequence (8 bytes BE)    -> AlertEvent bytes
//   meta       "horizon", "outbox_seq", "heartbeat", "heartbeat_passed", the shell's offsets rows
// One writer thread; readers (the API) may run alongside.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
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
  std::vector<alerts::v1::AlertEvent> emitted;
  std::size_t applied = 0, duplicates = 0, children = 0;
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
  // Everything whose next wake is at or before `now`, reconciled at horizon `now`.
  StatusOr<Change> Tick(Instant now);
  // Writes a tick's change (a batch's is written by the shell).
  Status Commit(const Change& change);

  // Outbox rows in order (sequence key, AlertEvent bytes), at most `limit`.
  StatusOr<std::vector<std::pair<std::string, std::string>>> Outbox(std::size_t limit) const;
  Status DeleteOutbox(const std::vector<std::string>& keys);
  // Rows in the outbox (sequence numbers are dense, so this is two reads, not a scan).
  StatusOr<std::uint64_t> OutboxDepth() const;

  StatusOr<std::optional<Instant>> Horizon() const;
  // Every open clock (deadline-index rows), earliest wake first.
  StatusOr<std::vector<watchdog::v1::Deadline>> OpenClocks() const;
  // SHA-256 over the deadline index, and its row count.
  StatusOr<std::pair<std::string, std::size_t>> DeadlineDigest() const;
  storage::Store& store() { return *store_; }

 private:
  WatchdogState(std::unique_ptr<storage::Store> store, const domain::ClockPolicy& policy)
      : store_(std::move(store)), policy_(policy) {}
  // `events`: everything the stream (a child's, or a subject's) holds, fresh ones included.
  Status Reconcile(const std::string& child, std::vector<events::v1::Envelope> events,
                   Instant horizon, Instant emitted_at, Change& change, std::uint64_t& seq);
  StatusOr<std::uint64_t> NextSeq() const;

  std::unique_ptr<storage::Store> store_;
  const domain::ClockPolicy& policy_;
};

}  // namespace sightline::watchdog_service
