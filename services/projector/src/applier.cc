#include "applier.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>

#include <google/protobuf/arena.h>

#include "sightline/domain/events/effective.h"
#include "sightline/domain/events/names.h"
#include "store_layout.h"

namespace sightline::projector {
namespace {

namespace v1 = events::v1;
namespace pv = projections::v1;

std::string EventKey(const std::string& child, const std::string& event_id) {
  return child + '\0' + event_id;
}

std::string Serialize(const google::protobuf::MessageLite& m) {
  std::string out;
  m.SerializeToString(&out);
  return out;
}

// Whether a child's few rows of one kind (a handful at most) include `key`.
bool Contains(const google::protobuf::RepeatedPtrField<std::string>& keys, const std::string& key) {
  return std::find(keys.begin(), keys.end(), key) != keys.end();
}

// An index row's key says it all (its value is empty): deletes the rows of `before` that
// `after` lacks, and puts those of `after` that `before` lacks.
void ReplaceIndexRows(storage::WriteBatch& writes, std::string_view cf,
                      const google::protobuf::RepeatedPtrField<std::string>& before,
                      const google::protobuf::RepeatedPtrField<std::string>& after) {
  for (const auto& key : before)
    if (!Contains(after, key)) writes.Delete(cf, key);
  for (const auto& key : after)
    if (!Contains(before, key)) writes.Put(cf, key, "");
}

// Records checked on two threads from this many up: a replay's batches, not a live trickle.
constexpr std::size_t kParallelCheckFrom = 512;
constexpr std::size_t kCheckRun = 256;

}  // namespace

struct Applier::ChildBatch {
  // New to the store, in consumption order: on the batch's arena, and the record's bytes.
  std::vector<const v1::Envelope*> fresh;
  std::vector<std::string_view> fresh_bytes;
};

Applier::Applier(const storage::Store& store, const domain::Calendar& calendar,
                 const domain::ProjectionPolicy& policy, Mode mode, std::size_t seen_filter_bits)
    : store_(store), calendar_(calendar), policy_(policy), mode_(mode) {
  if (mode_ != Mode::kEventsOnly) return;
  // Ids already in the store are unknown to the filter: without it, every id is looked up.
  auto empty = store_.Empty(cf::kEventIds);
  if (empty.ok() && empty.value()) seen_ = std::make_unique<BloomFilter>(seen_filter_bits);
}

Applier::~Applier() = default;

StatusOr<BatchPlan> Applier::Prepare(std::span<const kafka::Record> records, Instant now) {
  BatchPlan plan;
  keep_new_folds_ = folds_ != nullptr && records.size() < full_batch_;
  // Every record is decoded onto one arena (freed at once, not message by message) and checked,
  // on two threads for a large batch: the check is pure.
  google::protobuf::Arena arena;
  std::vector<v1::Envelope*> events(records.size());
  std::vector<domain::LogCheck> checks(records.size());
  // Both threads take runs of records until none are left, so that neither waits for the other
  // while the machine's other work (RocksDB's flushes, the Kafka client) takes a core.
  std::atomic<std::size_t> next{0};
  auto check = [&] {
    for (;;) {
      std::size_t from = next.fetch_add(kCheckRun);
      if (from >= records.size()) return;
      for (std::size_t i = from; i < std::min(records.size(), from + kCheckRun); ++i) {
        events[i] = google::protobuf::Arena::CreateMessage<v1::Envelope>(&arena);
        checks[i] = domain::CheckLogRecordInto(records[i].key, records[i].value, now, *events[i]);
      }
    }
  };
  if (records.size() >= kParallelCheckFrom) {
    auto other = std::async(std::launch::async, check);
    check();
    other.get();
  } else {
    check();
  }

  // (outcome, payload, reason) -> count and an example event (for its type's name).
  std::map<std::tuple<std::string_view, int, std::string_view>, std::pair<int, const v1::Envelope*>>
      tally;
  auto count = [&](std::string_view outcome, const v1::Envelope& e, std::string_view reason) {
    auto& [n, example] = tally[{outcome, static_cast<int>(e.payload_case()), reason}];
    ++n;
    example = &e;
  };
  // The stored owners of every usable event id are looked up in one batched read.
  std::vector<std::size_t> usable;
  std::vector<std::ptrdiff_t> lookup;  // Per usable record: its index in `ids`, or -1.
  std::vector<std::uint64_t> hashes;   // Per usable record, with a filter: its id's hash.
  std::vector<std::string_view> ids;
  for (std::size_t i = 0; i < records.size(); ++i) {
    if (!checks[i].ok()) {
      plan.dead.push_back({&records[i], std::move(checks[i].reason), std::move(checks[i].detail)});
      continue;
    }
    const v1::Envelope& e = *events[i];
    if (e.has_pipeline_heartbeat()) {  // About no child: the watchdog passes it on (ADR 0006).
      count("skipped", e, "heartbeat");
      continue;
    }
    if (e.child_id().empty()) {  // A team's or area's alert acknowledged (ADR 0013): the alert
      count("skipped", e, "no_child");  // board reads the step from the alerts topic.
      continue;
    }
    // Looked up unless this replay's filter has certainly not seen it (then the store has not).
    if (seen_ != nullptr) hashes.push_back(BloomFilter::Hash(e.event_id()));
    if (seen_ == nullptr || seen_->MayContainHash(hashes.back())) {
      lookup.push_back(static_cast<std::ptrdiff_t>(ids.size()));
      ids.push_back(e.event_id());
    } else {
      lookup.push_back(-1);
    }
    usable.push_back(i);
  }
  StatusOr<std::vector<std::optional<std::string>>> owners =
      std::vector<std::optional<std::string>>();
  if (!ids.empty()) owners = store_.MultiGet(cf::kEventIds, ids);
  if (!owners.ok()) return owners.status();
  std::map<std::string_view, ChildBatch> children;
  std::unordered_map<std::string_view, std::string_view> batch_ids;  // event_id -> child_id.
  batch_ids.reserve(usable.size());
  for (std::size_t u = 0; u < usable.size(); ++u) {
    const v1::Envelope& e = *events[usable[u]];
    const kafka::Record& r = records[usable[u]];
    // Idempotency: an event id belongs to one child, once.
    auto known = batch_ids.find(e.event_id());
    std::optional<std::string_view> owner;
    if (known != batch_ids.end()) {
      owner = known->second;
    } else if (lookup[u] >= 0 && owners.value()[static_cast<std::size_t>(lookup[u])]) {
      owner = *owners.value()[static_cast<std::size_t>(lookup[u])];
    }
    if (owner && *owner == e.child_id()) {
      count("skipped", e, "duplicate");
      continue;
    }
    if (owner) {
      plan.dead.push_back(
          {&r, "event_id_reused",
           "event_id " + e.event_id() + " already belongs to child " + std::string(*owner)});
      continue;
    }
    batch_ids.emplace(e.event_id(), e.child_id());
    // Added before the batch commits: a batch that fails leaves a "perhaps", which the store
    // then answers.
    if (seen_ != nullptr) seen_->AddHash(hashes[u]);
    ChildBatch& work = children[e.child_id()];
    work.fresh_bytes.push_back(r.value);
    work.fresh.push_back(&e);
    count("applied", e, "");
  }
  for (const auto& [key, value] : tally) {
    const auto& [outcome, payload, reason] = key;
    plan.counts[{std::string(outcome), domain::PayloadName(*value.second), std::string(reason)}] +=
        value.first;
  }
  for (const consumer::DeadLetter& d : plan.dead) ++plan.counts[{"dead_lettered", "", d.reason}];
  // Each new id's owner, in key order: the skip list takes a run of sorted keys from where the
  // last one went in, instead of searching from its top for each random id.
  std::vector<std::pair<std::string_view, std::string_view>> owned(batch_ids.begin(),
                                                                   batch_ids.end());
  std::sort(owned.begin(), owned.end());
  for (const auto& [id, child] : owned) plan.writes.Put(cf::kEventIds, id, child);
  for (auto& [child, work] : children) {
    if (Status s = FoldChild(std::string(child), work, plan); !s.ok()) return s;
  }
  if (Status s = AddQueueLength(store_, plan.queue_delta, plan.writes); !s.ok()) return s;
  return plan;
}

void Applier::KeepFolds(std::size_t children, std::size_t full_batch) {
  folds_ = mode_ == Mode::kFold && children > 0 ? std::make_unique<FoldCache>(children) : nullptr;
  full_batch_ = full_batch;
}

void Applier::Committed(const BatchPlan& plan) {
  if (folds_ == nullptr) return;
  for (const auto& [child, fold] : plan.folds) folds_->Put(child, fold);
}

Status Applier::FoldChild(const std::string& child, ChildBatch& work, BatchPlan& plan) {
  for (std::size_t i = 0; i < work.fresh.size(); ++i) {
    plan.writes.Put(cf::kEvents, EventKey(child, work.fresh[i]->event_id()), work.fresh_bytes[i]);
  }
  if (mode_ == Mode::kEventsOnly) return Status::Ok();  // FoldAll folds it once, at the end.
  plan.changed_children.push_back(child);
  // The kept fold takes the batch's events when they all come after what it has folded.
  std::shared_ptr<domain::ChildFold> fold = folds_ ? folds_->Take(child) : nullptr;
  if (fold != nullptr) {
    std::vector<const v1::Envelope*> fresh = work.fresh;
    std::sort(fresh.begin(), fresh.end(), domain::EventOrder);
    for (const v1::Envelope* e : fresh) {
      if (!fold->Append(*e)) {
        fold.reset();
        break;
      }
    }
  }
  if (fold != nullptr) {
    ++plan.folds_appended;
  } else {
    // The whole history: the stored events and the batch's.
    std::vector<v1::Envelope> events;
    bool corrupt = false;
    Status s =
        store_.Scan(cf::kEvents, child + '\0', [&](std::string_view, std::string_view value) {
          corrupt =
              !events.emplace_back().ParseFromArray(value.data(), static_cast<int>(value.size()));
          return !corrupt;
        });
    if (!s.ok()) return s;
    if (corrupt) return Internal("stored event of child " + child + " does not parse");
    for (const v1::Envelope* e : work.fresh) events.push_back(*e);
    ++plan.folds_whole;
    if (!keep_new_folds_)
      return WriteFolded(store_, calendar_, policy_, child, events, plan.writes, plan.queue_delta,
                         true, &plan.queue_changes);
    fold = std::make_shared<domain::ChildFold>(child, events, calendar_, policy_);
  }
  Status written;
  fold->WithRecord([&](const pv::ChildRecord& record) {
    written = WriteRecord(store_, child, record, plan.writes, plan.queue_delta, true,
                          &plan.queue_changes);
  });
  if (!written.ok()) return written;
  if (fold->appendable()) plan.folds.emplace_back(child, std::move(fold));
  return Status::Ok();
}

Status Applier::WriteFolded(const storage::Store& store, const domain::Calendar& calendar,
                            const domain::ProjectionPolicy& policy, const std::string& child,
                            const std::vector<v1::Envelope>& events, storage::WriteBatch& writes,
                            std::int64_t& queue_delta, bool read_old,
                            std::vector<QueueChange>* queue_changes) {
  return WriteRecord(store, child, domain::FoldChild(child, events, calendar, policy), writes,
                     queue_delta, read_old, queue_changes);
}

Status Applier::WriteRecord(const storage::Store& store, const std::string& child,
                            const pv::ChildRecord& record, storage::WriteBatch& writes,
                            std::int64_t& queue_delta, bool read_old,
                            std::vector<QueueChange>* queue_changes) {
  pv::ChildSummary summary = domain::Summarise(record);
  pv::OwnedRows rows = domain::OwnedRowsOf(record, summary);

  pv::OwnedRows old;
  std::optional<std::string> old_bytes_kept;  // As stored: rows unchanged are not written again.
  if (read_old) {
    auto old_bytes = store.Get(cf::kOwned, child);
    if (!old_bytes.ok()) return old_bytes.status();
    if (old_bytes.value()) {
      if (!old.ParseFromString(*old_bytes.value()))
        return Internal("owned rows of child " + child + " do not parse");
      old_bytes_kept = std::move(*old_bytes.value());
    }
  }
  queue_delta += rows.queue_keys_size() - old.queue_keys_size();
  // Only what changed is written: a row the child keeps is neither deleted nor put again. Most
  // batches leave a child's household, name and sibling rows as they were, and each needless
  // delete and put was a memtable insert (without them the projector under ingest used a fifth
  // less CPU; ADR 0023's addendum).
  std::string summary_bytes = Serialize(summary);
  for (const auto& key : old.queue_keys()) {
    if (Contains(rows.queue_keys(), key)) continue;
    writes.Delete(cf::kQueue, key);
    if (queue_changes != nullptr) queue_changes->push_back({key, std::nullopt});
  }
  // A queue row holds the summary, which the batch may have changed: every kept row is put.
  for (const auto& key : rows.queue_keys()) {
    writes.Put(cf::kQueue, key, summary_bytes);
    if (queue_changes != nullptr) queue_changes->push_back({key, summary_bytes});
  }
  ReplaceIndexRows(writes, cf::kHouseholds, old.household_keys(), rows.household_keys());
  ReplaceIndexRows(writes, cf::kNames, old.name_keys(), rows.name_keys());
  ReplaceIndexRows(writes, cf::kLinks, old.link_keys(), rows.link_keys());
  writes.Put(cf::kChildren, child, Serialize(record));
  writes.Put(cf::kSummaries, child, summary_bytes);
  std::string rows_bytes = Serialize(rows);
  if (!old_bytes_kept || rows_bytes != *old_bytes_kept) writes.Put(cf::kOwned, child, rows_bytes);
  return Status::Ok();
}

StatusOr<std::size_t> Applier::FoldAll(storage::Store& store, const domain::Calendar& calendar,
                                       const domain::ProjectionPolicy& policy,
                                       std::size_t children_per_write) {
  // A replay's events were loaded in bulk (StoreOptions::bulk_column_families): flushed, they
  // are read back from sorted tables. A store never folded before owns no rows to replace.
  if (Status s = store.Flush(); !s.ok()) return s;
  auto no_rows = store.Empty(cf::kOwned);
  if (!no_rows.ok()) return no_rows.status();
  const bool owns_rows = !no_rows.value();

  // A pipeline: this thread reads the events in key order (child \0 event_id, so each child's
  // events arrive together) and hands them on, `children_per_write` children at a time, to two
  // workers that parse, fold (the fold is pure) and write each chunk as one batch. At most two
  // chunks wait, so memory does not follow the store's size. The workers write one at a time:
  // RocksDB would group two concurrent writes, and its write group hands batches between
  // threads through atomics that ThreadSanitizer cannot see in the uninstrumented library; one
  // writer keeps the TSan build meaningful. The pipeline still overlaps one worker's write with
  // the other's parse and fold, and a replay's memtable takes one writer at a time anyway
  // (allow_concurrent_memtable_write is off for bulk column families).
  using Chunk = std::vector<std::pair<std::string, std::vector<std::string>>>;
  std::mutex mu;
  std::mutex write_mu;
  std::condition_variable changed;
  std::deque<Chunk> waiting;
  bool closed = false;
  Status failed;
  std::size_t children = 0;
  std::int64_t queue_delta = 0;
  auto work = [&] {
    for (;;) {
      Chunk chunk;
      {
        std::unique_lock lock(mu);
        changed.wait(lock, [&] { return closed || !waiting.empty(); });
        if (waiting.empty()) return;
        chunk = std::move(waiting.front());
        waiting.pop_front();
      }
      changed.notify_all();
      storage::WriteBatch writes;
      std::int64_t delta = 0;
      Status s;
      for (const auto& [child, raw] : chunk) {
        std::vector<v1::Envelope> events(raw.size());
        for (std::size_t i = 0; i < raw.size() && s.ok(); ++i) {
          if (!events[i].ParseFromString(raw[i]))
            s = Internal("stored event of child " + child + " does not parse");
        }
        if (s.ok())
          s = WriteFolded(store, calendar, policy, child, events, writes, delta, owns_rows,
                          nullptr);
        if (!s.ok()) break;
      }
      if (s.ok()) {
        std::lock_guard one_writer(write_mu);
        s = store.Write(writes);
      }
      std::lock_guard lock(mu);
      if (!s.ok()) {
        if (failed.ok()) failed = s;
        closed = true;
        waiting.clear();
        changed.notify_all();
        return;
      }
      children += chunk.size();
      queue_delta += delta;
    }
  };
  auto hand_on = [&](Chunk& chunk) {
    std::unique_lock lock(mu);
    changed.wait(lock, [&] { return closed || waiting.size() < 2; });
    if (closed) return false;
    waiting.push_back(std::move(chunk));
    chunk.clear();
    changed.notify_all();
    return true;
  };
  std::thread first(work), second(work);
  Chunk chunk;
  Status scanned = store.Scan(cf::kEvents, "", [&](std::string_view key, std::string_view value) {
    std::string_view owner = key.substr(0, key.find('\0'));
    if (chunk.empty() || chunk.back().first != owner) {
      if (chunk.size() == children_per_write && !hand_on(chunk)) return false;
      chunk.emplace_back(std::string(owner), std::vector<std::string>());
    }
    chunk.back().second.emplace_back(value);
    return true;
  });
  if (scanned.ok() && !chunk.empty()) hand_on(chunk);
  {
    std::lock_guard lock(mu);
    closed = true;
  }
  changed.notify_all();
  first.join();
  second.join();
  if (!scanned.ok()) return scanned;
  if (!failed.ok()) return failed;
  storage::WriteBatch length;
  if (Status s = AddQueueLength(store, queue_delta, length); !s.ok()) return s;
  if (Status s = store.Write(length); !s.ok()) return s;
  return children;
}

}  // namespace sightline::projector
