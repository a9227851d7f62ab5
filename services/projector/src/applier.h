// Turns a batch of consumed records into one atomic RocksDB WriteBatch: the changed children's
// event sets, records, summaries and index rows (the shell adds the next offsets).
// This is the projector's whole consistency story (docs/adr/0004-projections.md):
//   - exactly-once effect: state and offsets commit together or not at all;
//   - idempotent: an event id already in the store is skipped;
//   - order-tolerant: each changed child is re-folded from its whole event set, or, when its
//     fold is kept (KeepFolds) and the batch's events come after all it has, the fold takes
//     them alone, giving the same record (ADR 0023).
// Records that cannot be used (undecodable, unknown type, invalid, key or id conflicts) become
// dead letters; the consumer shell gets them acknowledged by the dead-letter topic, then writes
// the batch with the offsets (ADR 0007).
//
// Prepare only reads the store. One writer thread; API readers may run alongside.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <tuple>
#include <vector>

#include "fold_cache.h"
#include "queue_view.h"
#include "sightline/consumer/shell.h"
#include "sightline/core/bloom.h"
#include "sightline/domain/calendar/calendar.h"
#include "sightline/domain/events/validation.h"
#include "sightline/domain/projection/projection.h"
#include "sightline/kafka/record.h"
#include "sightline/storage/store.h"

namespace sightline::projector {

struct BatchPlan : consumer::Batch {
  std::vector<std::string> changed_children;
  std::int64_t queue_delta = 0;            // Queue rows added minus removed (meta/queue_length).
  std::vector<QueueChange> queue_changes;  // For the queue view, once the batch is committed.
  // (outcome, type, reason) -> count, for metrics: applied/skipped/dead_lettered.
  std::map<std::tuple<std::string, std::string, std::string>, int> counts;
  // The folds to keep once the batch is committed (Applier::Committed), and how each changed
  // child was folded: by its kept fold taking the batch's events, or from its whole history.
  std::vector<std::pair<std::string, std::shared_ptr<domain::ChildFold>>> folds;
  int folds_appended = 0;
  int folds_whole = 0;
};

class Applier {
 public:
  // kFold: each batch folds its children (the live projector). kEventsOnly: a batch only stores
  // new events and their ids; FoldAll() then folds every child once (a rebuild: a child whose
  // events span many batches is not re-read and re-folded for each of them).
  enum class Mode { kFold, kEventsOnly };
  // kEventsOnly into an empty store: event ids seen in this replay are remembered in a Bloom
  // filter of `seen_filter_bits`, so that only an id it may have seen is looked up in the store
  // (a replay's ids are nearly all new; the store stays the authority on every "perhaps").
  Applier(const storage::Store& store, const domain::Calendar& calendar,
          const domain::ProjectionPolicy& policy, Mode mode = Mode::kFold,
          std::size_t seen_filter_bits = std::size_t{1} << 27);
  ~Applier();

  // Keeps the folds of up to `children` recently changed children (kFold mode; 0: none). A batch
  // of `full_batch` records or more is a projector behind the topic: its children's next events
  // lie further on than the cache reaches, so it builds no new folds (it still uses those kept).
  void KeepFolds(std::size_t children, std::size_t full_batch);
  std::size_t kept_folds() const { return folds_ ? folds_->size() : 0; }

  StatusOr<BatchPlan> Prepare(std::span<const kafka::Record> records, Instant now);
  // After the plan's batch has committed: its children's folds are kept for the next batch.
  void Committed(const BatchPlan& plan);

  // Folds every child of `store` from its stored events, once, writing records, summaries and
  // index rows in batches of `children_per_write`. Returns the number of children.
  static StatusOr<std::size_t> FoldAll(storage::Store& store, const domain::Calendar& calendar,
                                       const domain::ProjectionPolicy& policy,
                                       std::size_t children_per_write = 2000);

 private:
  struct ChildBatch;
  Status FoldChild(const std::string& child_id, ChildBatch& work, BatchPlan& plan);
  // The record, summary and index rows of `child` from all its `events`, replacing the rows it
  // owned before (`read_old`: false when the store owns no rows at all).
  static Status WriteFolded(const storage::Store& store, const domain::Calendar& calendar,
                            const domain::ProjectionPolicy& policy, const std::string& child,
                            const std::vector<events::v1::Envelope>& events,
                            storage::WriteBatch& writes, std::int64_t& queue_delta, bool read_old,
                            std::vector<QueueChange>* queue_changes);
  static Status WriteRecord(const storage::Store& store, const std::string& child,
                            const projections::v1::ChildRecord& record, storage::WriteBatch& writes,
                            std::int64_t& queue_delta, bool read_old,
                            std::vector<QueueChange>* queue_changes);

  const storage::Store& store_;
  const domain::Calendar& calendar_;
  const domain::ProjectionPolicy& policy_;
  Mode mode_;
  std::unique_ptr<BloomFilter> seen_;  // Event ids this replay applied (see the constructor).
  std::unique_ptr<FoldCache> folds_;   // Null: every changed child is folded whole.
  std::size_t full_batch_ = 0;
  bool keep_new_folds_ = false;  // This batch's: builds folds for children without one.
};

}  // namespace sightline::projector
