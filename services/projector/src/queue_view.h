// The triage queue in memory, for GET /v1/queue (ADR 0019). The queue's rows live in RocksDB
// (queue/<rank>/<since>/<child>, each row the child's summary), but the live projector rewrites a
// child's row on every batch that touches the child, so under ingest a scan of that column family
// steps through many dead versions per live row. The view keeps the live rows, in key order, as
// an immutable snapshot: a request takes the current snapshot and filters it with no lock held
// and no wait on the applier. After each committed batch the projector merges that batch's
// queue changes into a new snapshot and publishes it (a merge copies pointers, not rows).
//
// The view is loaded from its store on first use, so a store written before anyone reads the
// queue needs no feeding. Thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "sightline/core/status.h"
#include "sightline/projections/v1/projections.pb.h"
#include "sightline/storage/store.h"

namespace sightline::projector {

// One key of the queue column family written by a batch: its new row, or nothing (deleted).
struct QueueChange {
  std::string key;
  std::optional<std::string> summary;
};

struct QueueRow {
  std::string key;
  // domain::ParseSummaryHead: what the filters, the access checks and the waiting figures read.
  projections::v1::ChildSummary head;
  std::string summary;  // The whole row, parsed only to write its item.

  // The row's item for a page, but for the waiting figures, which change with the time
  // (api_json::QueueItemMembers), for a reader who may open the record (`full`) or not. Written
  // by the first page that shows the row and shared by every later one until a batch replaces
  // the row. Null when the row does not parse whole. Thread-safe.
  const std::string* ItemMembers(bool full) const;

 private:
  mutable std::once_flag written_[2];
  mutable std::optional<std::string> members_[2];
};

using QueueSnapshot = std::vector<std::shared_ptr<const QueueRow>>;  // In key order.

class QueueView {
 public:
  explicit QueueView(std::shared_ptr<const storage::Store> store) : store_(std::move(store)) {}

  // The queue as of the last batch applied (loaded from the store on the first call). An
  // unreadable row is an Internal error naming it; the store's own failures pass through.
  StatusOr<std::shared_ptr<const QueueSnapshot>> Snapshot() const;

  // A committed batch's changes, in the order they were written (a key deleted then written
  // again ends up present). Before the first Snapshot() this does nothing: the load reads the
  // store, which already holds the batch. A row that does not parse drops the snapshot, so the
  // next Snapshot() reloads from the store and reports it.
  void Apply(std::span<const QueueChange> changes);

  // Snapshots published since the view was made (loads and merges): for tests and metrics.
  std::uint64_t published() const;

 private:
  std::shared_ptr<const storage::Store> store_;
  mutable std::mutex write_mu_;    // One loader or merger at a time.
  mutable std::mutex publish_mu_;  // Guards current_ (the pointer, never the rows).
  mutable std::shared_ptr<const QueueSnapshot> current_;
  mutable std::uint64_t published_ = 0;
};

}  // namespace sightline::projector
