#include "applier.h"

#include <future>
#include <set>

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

void Count(BatchPlan& plan, const char* outcome, const std::string& type,
           const std::string& reason) {
  ++plan.counts[{outcome, type, reason}];
}

}  // namespace

struct Applier::ChildBatch {
  std::vector<v1::Envelope> fresh;  // New to the store, in consumption order.
  std::vector<std::string> fresh_bytes;
};

Applier::Applier(const storage::Store& store, const domain::Calendar& calendar,
                 const domain::ProjectionPolicy& policy, Mode mode)
    : store_(store), calendar_(calendar), policy_(policy), mode_(mode) {}

StatusOr<BatchPlan> Applier::Prepare(std::span<const kafka::Record> records, Instant now) {
  BatchPlan plan;
  // Decoded and checked first, so that the stored owners of every event id are looked up in
  // one batched read instead of a point read per event.
  struct Checked {
    const kafka::Record* record;
    v1::Envelope event;
    std::string type;
  };
  std::vector<Checked> usable;
  std::vector<std::string> ids;
  for (const kafka::Record& r : records) {
    domain::LogRecord checked = domain::CheckLogRecord(r.key, r.value, now);
    if (!checked.ok()) {
      plan.dead.push_back({&r, checked.reason, checked.detail});
      continue;
    }
    v1::Envelope& e = checked.event;
    std::string type = domain::PayloadName(e);
    if (e.has_pipeline_heartbeat()) {  // About no child: the watchdog passes it on (ADR 0006).
      Count(plan, "skipped", type, "heartbeat");
      continue;
    }
    if (e.child_id().empty()) {  // A team's or area's alert acknowledged (ADR 0013): the alert
      Count(plan, "skipped", type, "no_child");  // board reads the step from the alerts topic.
      continue;
    }
    ids.push_back(e.event_id());
    usable.push_back({&r, std::move(e), std::move(type)});
  }
  auto owners = store_.MultiGet(cf::kEventIds, ids);
  if (!owners.ok()) return owners.status();
  std::map<std::string, ChildBatch> children;
  std::map<std::string, std::string> batch_ids;  // event_id -> child_id, this batch.
  for (std::size_t i = 0; i < usable.size(); ++i) {
    v1::Envelope& e = usable[i].event;
    const kafka::Record& r = *usable[i].record;
    // Idempotency: an event id belongs to one child, once.
    auto known = batch_ids.find(e.event_id());
    std::optional<std::string> owner =
        known != batch_ids.end() ? std::optional(known->second) : owners.value()[i];
    if (owner && *owner == e.child_id()) {
      Count(plan, "skipped", usable[i].type, "duplicate");
      continue;
    }
    if (owner) {
      plan.dead.push_back({&r, "event_id_reused",
                           "event_id " + e.event_id() + " already belongs to child " + *owner});
      continue;
    }
    batch_ids[e.event_id()] = e.child_id();
    ChildBatch& work = children[e.child_id()];
    work.fresh_bytes.push_back(r.value);
    work.fresh.push_back(std::move(e));
    Count(plan, "applied", usable[i].type, "");
  }
  for (const consumer::DeadLetter& d : plan.dead) Count(plan, "dead_lettered", "", d.reason);
  for (auto& [child, work] : children) {
    if (Status s = FoldChild(child, work, plan); !s.ok()) return s;
  }
  if (Status s = AddQueueLength(store_, plan.queue_delta, plan.writes); !s.ok()) return s;
  return plan;
}

Status Applier::FoldChild(const std::string& child, ChildBatch& work, BatchPlan& plan) {
  for (std::size_t i = 0; i < work.fresh.size(); ++i) {
    plan.writes.Put(cf::kEvents, EventKey(child, work.fresh[i].event_id()), work.fresh_bytes[i]);
    plan.writes.Put(cf::kEventIds, work.fresh[i].event_id(), child);
  }
  if (mode_ == Mode::kEventsOnly) return Status::Ok();  // FoldAll folds it once, at the end.
  std::vector<v1::Envelope> events;
  bool corrupt = false;
  Status s = store_.Scan(cf::kEvents, child + '\0', [&](std::string_view, std::string_view value) {
    corrupt = !events.emplace_back().ParseFromArray(value.data(), static_cast<int>(value.size()));
    return !corrupt;
  });
  if (!s.ok()) return s;
  if (corrupt) return Internal("stored event of child " + child + " does not parse");
  for (v1::Envelope& e : work.fresh) events.push_back(std::move(e));
  if (Status w =
          WriteFolded(store_, calendar_, policy_, child, events, plan.writes, plan.queue_delta);
      !w.ok())
    return w;
  plan.changed_children.push_back(child);
  return Status::Ok();
}

Status Applier::WriteFolded(const storage::Store& store, const domain::Calendar& calendar,
                            const domain::ProjectionPolicy& policy, const std::string& child,
                            const std::vector<v1::Envelope>& events, storage::WriteBatch& writes,
                            std::int64_t& queue_delta) {
  pv::ChildRecord record = domain::FoldChild(child, events, calendar, policy);
  pv::ChildSummary summary = domain::Summarise(record);
  pv::OwnedRows rows = domain::OwnedRowsOf(record, summary);

  auto old_bytes = store.Get(cf::kOwned, child);
  if (!old_bytes.ok()) return old_bytes.status();
  pv::OwnedRows old;
  if (old_bytes.value() && !old.ParseFromString(*old_bytes.value()))
    return Internal("owned rows of child " + child + " do not parse");
  queue_delta += rows.queue_keys_size() - old.queue_keys_size();
  // Deletes first: a key both removed and re-added must end up present.
  for (const auto& key : old.queue_keys()) writes.Delete(cf::kQueue, key);
  for (const auto& key : old.household_keys()) writes.Delete(cf::kHouseholds, key);
  for (const auto& key : old.name_keys()) writes.Delete(cf::kNames, key);
  for (const auto& key : old.link_keys()) writes.Delete(cf::kLinks, key);

  std::string summary_bytes = Serialize(summary);
  for (const auto& key : rows.queue_keys()) writes.Put(cf::kQueue, key, summary_bytes);
  for (const auto& key : rows.household_keys()) writes.Put(cf::kHouseholds, key, "");
  for (const auto& key : rows.name_keys()) writes.Put(cf::kNames, key, "");
  for (const auto& key : rows.link_keys()) writes.Put(cf::kLinks, key, "");
  writes.Put(cf::kChildren, child, Serialize(record));
  writes.Put(cf::kSummaries, child, summary_bytes);
  writes.Put(cf::kOwned, child, Serialize(rows));
  return Status::Ok();
}

StatusOr<std::size_t> Applier::FoldAll(storage::Store& store, const domain::Calendar& calendar,
                                       const domain::ProjectionPolicy& policy,
                                       std::size_t children_per_write) {
  // Events are keyed child \0 event_id, so one pass in key order meets each child's events
  // together. Children are gathered `children_per_write` at a time and folded on two threads
  // (the fold is pure; the store's reads are thread-safe), each half into a batch of its own.
  using Child = std::pair<std::string, std::vector<v1::Envelope>>;
  std::vector<Child> chunk;
  std::size_t children = 0;
  auto fold = [&](std::span<const Child> part, storage::WriteBatch& writes,
                  std::int64_t& queue_delta) -> Status {
    for (const auto& [child, events] : part) {
      if (Status s = WriteFolded(store, calendar, policy, child, events, writes, queue_delta);
          !s.ok())
        return s;
    }
    return Status::Ok();
  };
  auto flush = [&]() -> Status {
    std::span<const Child> all(chunk);
    std::size_t half = all.size() / 2;
    storage::WriteBatch first, second;
    std::int64_t first_delta = 0, second_delta = 0;
    auto other = std::async(std::launch::async,
                            [&] { return fold(all.subspan(half), second, second_delta); });
    Status a = fold(all.subspan(0, half), first, first_delta);
    Status b = other.get();
    if (!a.ok()) return a;
    if (!b.ok()) return b;
    if (Status s = AddQueueLength(store, first_delta + second_delta, first); !s.ok()) return s;
    if (Status s = store.Write(first); !s.ok()) return s;
    if (Status s = store.Write(second); !s.ok()) return s;
    children += chunk.size();
    chunk.clear();
    return Status::Ok();
  };
  Status failed;
  Status s = store.Scan(cf::kEvents, "", [&](std::string_view key, std::string_view value) {
    std::string_view owner = key.substr(0, key.find('\0'));
    if (chunk.empty() || chunk.back().first != owner) {
      if (chunk.size() == children_per_write) {
        if (failed = flush(); !failed.ok()) return false;
      }
      chunk.emplace_back(std::string(owner), std::vector<v1::Envelope>());
    }
    if (!chunk.back().second.emplace_back().ParseFromArray(value.data(),
                                                           static_cast<int>(value.size()))) {
      failed = Internal("stored event of child " + chunk.back().first + " does not parse");
      return false;
    }
    return true;
  });
  if (!s.ok()) return s;
  if (!failed.ok()) return failed;
  if (!chunk.empty()) {
    if (Status f = flush(); !f.ok()) return f;
  }
  return children;
}

}  // namespace sightline::projector
