// Where the projector keeps its RocksDB store and what is in it.
//
// <data_dir>/current is a symlink to the live store under <data_dir>/stores/. A rebuild fills a
// fresh store beside it and then swaps the link atomically (rename), so a crash mid-rebuild leaves
// the old store live. Column families:
//   events     child_id \0 event_id -> Envelope bytes as consumed (the child's event set)
//   event_ids  event_id -> child_id (idempotency across children)
//   children   child_id -> ChildRecord          summaries  child_id -> ChildSummary
//   owned      child_id -> OwnedRows (index rows this child's fold wrote)
//   queue      QueueKey -> ChildSummary         households household_id \0 child_id -> ""
//   names      lower(name) \0 child_id -> ""    links      child \0 sibling \0 declarer -> relation
//   meta       the consumer shell's offsets rows (sightline/consumer/offsets.h)
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "config.h"
#include "sightline/storage/store.h"

namespace sightline::projector {

namespace cf {
inline constexpr char kEvents[] = "events";
inline constexpr char kEventIds[] = "event_ids";
inline constexpr char kChildren[] = "children";
inline constexpr char kSummaries[] = "summaries";
inline constexpr char kOwned[] = "owned";
inline constexpr char kQueue[] = "queue";
inline constexpr char kHouseholds[] = "households";
inline constexpr char kNames[] = "names";
inline constexpr char kLinks[] = "links";
inline constexpr char kMeta[] = "meta";
}  // namespace cf

// meta/"queue_length": rows in the queue, kept by every batch that changes it (so that the
// gauges never count the queue); written once by counting when a store has none.
inline constexpr char kQueueLengthRow[] = "queue_length";
StatusOr<std::int64_t> ReadQueueLength(const storage::Store& store);
// Adds `delta` to the stored queue length, in `batch`.
Status AddQueueLength(const storage::Store& store, std::int64_t delta, storage::WriteBatch& batch);

// Every column family, meta last (it is not part of the projection's canonical dump).
const std::vector<std::string>& ColumnFamilies();

storage::StoreOptions StoreOptionsFor(const ProjectorConfig& config, const std::string& path);
// A store being rebuilt: it is served only once complete and flushed, and thrown away on any
// failure before that, so no write-ahead log and no fsync per batch (ADR 0015).
storage::StoreOptions ReplayStoreOptionsFor(const ProjectorConfig& config, const std::string& path);
// Opens <data_dir>/current, creating an empty store and the link on first start (named by `now`).
StatusOr<std::unique_ptr<storage::Store>> OpenCurrent(const ProjectorConfig& config, Instant now);
// Opens <data_dir>/current only if it exists (kNotFound otherwise, naming the path): for tools
// like `dump` that must not create an empty store behind a misspelt directory. Both opens migrate
// a store written before the consumer shell (offsets rows of the old encoding; ADR 0007).
StatusOr<std::unique_ptr<storage::Store>> OpenExisting(const ProjectorConfig& config);
// A new, empty store directory under <data_dir>/stores/ for a rebuild, named by `now`.
StatusOr<std::string> NewStorePath(const ProjectorConfig& config, Instant now);
// Points <data_dir>/current at `path` atomically and (with remove_old) removes the store it
// replaced. A store still open must not be removed: a rebuild while serving retires it later.
Status SwapCurrent(const ProjectorConfig& config, const std::string& path, bool remove_old = true);
// The real directory <data_dir>/current points at.
StatusOr<std::string> CurrentStorePath(const ProjectorConfig& config);

// Writes every projection row (all column families but meta) in key order as hex lines, and
// returns the SHA-256 of that text with per-family row counts. Equal stores give equal digests.
struct DumpSummary {
  std::string sha256;
  std::map<std::string, std::size_t> rows;
};
StatusOr<DumpSummary> Dump(const storage::Store& store, std::ostream* out);

}  // namespace sightline::projector
