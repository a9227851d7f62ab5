// Turns a batch of consumed records into one atomic RocksDB WriteBatch: the changed children's
// event sets, records, summaries and index rows, plus the next offset of every partition seen.
// This is the projector's whole consistency story (docs/adr/0004-projections.md):
//   - exactly-once effect: state and offsets commit together or not at all;
//   - idempotent: an event id already in the store is skipped;
//   - order-tolerant: each changed child is re-folded from its whole event set.
// Records that cannot be used (undecodable, unknown type, invalid, key or id conflicts) become
// dead letters; the caller must get them acknowledged by the dead-letter topic before Commit.
//
// Prepare reads the store; Commit writes it. One writer thread; API readers may run alongside.
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <tuple>
#include <vector>

#include "sightline/domain/calendar/calendar.h"
#include "sightline/domain/events/validation.h"
#include "sightline/domain/projection/projection.h"
#include "sightline/kafka/record.h"
#include "sightline/storage/store.h"

namespace sightline::projector {

struct DeadLetter {
  const kafka::Record* record;
  std::string reason;  // Short, for the metric label: undecodable, unknown_type, invalid, ...
  std::string detail;  // For the operator: which field and why.
};

struct BatchPlan {
  storage::WriteBatch batch;
  std::vector<DeadLetter> dead;
  std::vector<std::string> changed_children;
  std::map<std::int32_t, std::int64_t> next_offsets;
  // (outcome, type, reason) -> count, for metrics: applied/skipped/dead_lettered.
  std::map<std::tuple<std::string, std::string, std::string>, int> counts;
};

class Applier {
 public:
  Applier(storage::Store& store, const domain::Calendar& calendar,
          const domain::ProjectionPolicy& policy, std::string topic);

  StatusOr<BatchPlan> Prepare(std::span<const kafka::Record> records, Instant now);
  Status Commit(const BatchPlan& plan);

 private:
  struct ChildBatch;
  Status FoldChild(const std::string& child_id, ChildBatch& work, BatchPlan& plan);

  storage::Store& store_;
  const domain::Calendar& calendar_;
  const domain::ProjectionPolicy& policy_;
  std::string topic_;
};

}  // namespace sightline::projector
