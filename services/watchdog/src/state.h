// sightline-watchdog's durable state in RocksDB and the two ways it changes:
//   - ApplyBatch: consumed events; each touched child is reconciled at the horizon (the last
//     caught-up tick), so a backlog never fires a deadline whose awaited event is further down
//     the log;
//   - Tick: the wall clock passed some next-wake times; those children are reconciled at now.
// Either way one WriteBatch holds the child's events, its alert ledger, its deadline-index rows,
// the outbox rows of the alert events to emit, and the consumer offsets / the horizon. The outbox
// is drained to sightline.alerts.v1 afterwards; a crash between sending and deleting resends the
// same event ids, which consumers collapse (docs/adr/0005-watchdog.md).
//
// Column families:
//   events     child \0 event_id        -> Envelope bytes
//   ledgers    child                    -> ChildLedger
//   deadlines  wake(8 bytes BE) child \0 clock_id -> Deadline  (wake all-ones: nothing pending)
//   outbox     sequence (8 bytes BE)    -> AlertEvent bytes
//   meta       "offset/<p>", "horizon", "outbox_seq"
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
#include "sightline/domain/clocks/clocks.h"
#include "sightline/kafka/record.h"
#include "sightline/storage/store.h"
#include "sightline/watchdog/v1/watchdog.pb.h"

namespace sightline::watchdog_service {

struct DeadLetter {
  const kafka::Record* record;
  std::string reason;
  std::string detail;
};

struct Change {
  storage::WriteBatch batch;
  std::vector<DeadLetter> dead;
  std::vector<alerts::v1::AlertEvent> emitted;
  std::map<std::int32_t, std::int64_t> next_offsets;
  std::size_t applied = 0, duplicates = 0, children = 0;
};

class WatchdogState {
 public:
  static StatusOr<std::unique_ptr<WatchdogState>> Open(const std::string& path, bool sync_writes,
                                                       const domain::ClockPolicy& policy);

  // Prepares the batch: validation happens against `wall_now`; alert events carry `emitted_at`.
  StatusOr<Change> ApplyBatch(std::span<const kafka::Record> records, Instant wall_now,
                              Instant emitted_at);
  // Everything whose next wake is at or before `now`, reconciled at horizon `now`.
  StatusOr<Change> Tick(Instant now);
  Status Commit(const Change& change);

  // Outbox rows in order (sequence key, AlertEvent bytes), at most `limit`.
  StatusOr<std::vector<std::pair<std::string, std::string>>> Outbox(std::size_t limit) const;
  Status DeleteOutbox(const std::vector<std::string>& keys);
  // Rows in the outbox (sequence numbers are dense, so this is two reads, not a scan).
  StatusOr<std::uint64_t> OutboxDepth() const;

  StatusOr<std::map<std::int32_t, std::int64_t>> Offsets() const;
  StatusOr<std::optional<Instant>> Horizon() const;
  // Every open clock (deadline-index rows), earliest wake first.
  StatusOr<std::vector<watchdog::v1::Deadline>> OpenClocks() const;
  // SHA-256 over the deadline index, and its row count.
  StatusOr<std::pair<std::string, std::size_t>> DeadlineDigest() const;
  storage::Store& store() { return *store_; }

 private:
  WatchdogState(std::unique_ptr<storage::Store> store, const domain::ClockPolicy& policy)
      : store_(std::move(store)), policy_(policy) {}
  Status Reconcile(const std::string& child, const std::vector<events::v1::Envelope>& fresh,
                   Instant horizon, Instant emitted_at, Change& change, std::uint64_t& seq);
  StatusOr<std::uint64_t> NextSeq() const;

  std::unique_ptr<storage::Store> store_;
  const domain::ClockPolicy& policy_;
};

}  // namespace sightline::watchdog_service
