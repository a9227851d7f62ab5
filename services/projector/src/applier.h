// Turns a batch of consumed records into one atomic RocksDB WriteBatch: the changed children's
// event sets, records, summaries and index rows (the shell adds the next offsets).
// This is the projector's whole consistency story (docs/adr/0004-projections.md):
//   - exactly-once effect: state and offsets commit together or not at all;
//   - idempotent: an event id already in the store is skipped;
//   - order-tolerant: each changed child is re-folded from its whole event set.
// Records that cannot be used (undecodable, unknown type, invalid, key or id conflicts) become
// dead letters; the consumer shell gets them acknowledged by the dead-letter topic, then writes
// the batch with the offsets (ADR 0007).
//
// Prepare only reads the store. One writer thread; API readers may run alongside.
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <tuple>
#include <vector>

#include "sightline/consumer/shell.h"
#include "sightline/domain/calendar/calendar.h"
#include "sightline/domain/events/validation.h"
#include "sightline/domain/projection/projection.h"
#include "sightline/kafka/record.h"
#include "sightline/storage/store.h"

namespace sightline::projector {

struct BatchPlan : consumer::Batch {
  std::vector<std::string> changed_children;
  // (outcome, type, reason) -> count, for metrics: applied/skipped/dead_lettered.
  std::map<std::tuple<std::string, std::string, std::string>, int> counts;
};

class Applier {
 public:
  Applier(const storage::Store& store, const domain::Calendar& calendar,
          const domain::ProjectionPolicy& policy);

  StatusOr<BatchPlan> Prepare(std::span<const kafka::Record> records, Instant now);

 private:
  struct ChildBatch;
  Status FoldChild(const std::string& child_id, ChildBatch& work, BatchPlan& plan);

  const storage::Store& store_;
  const domain::Calendar& calendar_;
  const domain::ProjectionPolicy& policy_;
};

}  // namespace sightline::projector
