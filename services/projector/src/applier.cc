#include "applier.h"

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
                 const domain::ProjectionPolicy& policy)
    : store_(store), calendar_(calendar), policy_(policy) {}

StatusOr<BatchPlan> Applier::Prepare(std::span<const kafka::Record> records, Instant now) {
  BatchPlan plan;
  std::map<std::string, ChildBatch> children;
  std::map<std::string, std::string> batch_ids;  // event_id -> child_id, this batch.
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
    // Idempotency: an event id belongs to one child, once.
    auto known = batch_ids.find(e.event_id());
    std::optional<std::string> owner;
    if (known != batch_ids.end()) {
      owner = known->second;
    } else {
      auto stored = store_.Get(cf::kEventIds, e.event_id());
      if (!stored.ok()) return stored.status();
      owner = stored.value();
    }
    if (owner && *owner == e.child_id()) {
      Count(plan, "skipped", type, "duplicate");
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
    Count(plan, "applied", type, "");
  }
  for (const consumer::DeadLetter& d : plan.dead) Count(plan, "dead_lettered", "", d.reason);
  for (auto& [child, work] : children) {
    if (Status s = FoldChild(child, work, plan); !s.ok()) return s;
  }
  return plan;
}

Status Applier::FoldChild(const std::string& child, ChildBatch& work, BatchPlan& plan) {
  std::vector<v1::Envelope> events;
  bool corrupt = false;
  Status s = store_.Scan(cf::kEvents, child + '\0', [&](std::string_view, std::string_view value) {
    corrupt = !events.emplace_back().ParseFromArray(value.data(), static_cast<int>(value.size()));
    return !corrupt;
  });
  if (!s.ok()) return s;
  if (corrupt) return Internal("stored event of child " + child + " does not parse");
  for (std::size_t i = 0; i < work.fresh.size(); ++i) {
    plan.writes.Put(cf::kEvents, EventKey(child, work.fresh[i].event_id()), work.fresh_bytes[i]);
    plan.writes.Put(cf::kEventIds, work.fresh[i].event_id(), child);
    events.push_back(std::move(work.fresh[i]));
  }
  pv::ChildRecord record = domain::FoldChild(child, events, calendar_, policy_);
  pv::ChildSummary summary = domain::Summarise(record);
  pv::OwnedRows rows = domain::OwnedRowsOf(record, summary);

  auto old_bytes = store_.Get(cf::kOwned, child);
  if (!old_bytes.ok()) return old_bytes.status();
  pv::OwnedRows old;
  if (old_bytes.value() && !old.ParseFromString(*old_bytes.value()))
    return Internal("owned rows of child " + child + " do not parse");
  // Deletes first: a key both removed and re-added must end up present.
  for (const auto& key : old.queue_keys()) plan.writes.Delete(cf::kQueue, key);
  for (const auto& key : old.household_keys()) plan.writes.Delete(cf::kHouseholds, key);
  for (const auto& key : old.name_keys()) plan.writes.Delete(cf::kNames, key);
  for (const auto& key : old.link_keys()) plan.writes.Delete(cf::kLinks, key);

  std::string summary_bytes = Serialize(summary);
  for (const auto& key : rows.queue_keys()) plan.writes.Put(cf::kQueue, key, summary_bytes);
  for (const auto& key : rows.household_keys()) plan.writes.Put(cf::kHouseholds, key, "");
  for (const auto& key : rows.name_keys()) plan.writes.Put(cf::kNames, key, "");
  for (const auto& key : rows.link_keys()) plan.writes.Put(cf::kLinks, key, "");
  plan.writes.Put(cf::kChildren, child, Serialize(record));
  plan.writes.Put(cf::kSummaries, child, summary_bytes);
  plan.writes.Put(cf::kOwned, child, Serialize(rows));
  plan.changed_children.push_back(child);
  return Status::Ok();
}

}  // namespace sightline::projector
