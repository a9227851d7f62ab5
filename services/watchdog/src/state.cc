#include "state.h"

#include <set>

#include "sightline/crypto/digest.h"
#include "sightline/domain/clocks/minimise.h"
#include "sightline/domain/clocks/subjects.h"
#include "sightline/domain/events/validation.h"

namespace sightline::watchdog_service {
namespace {

namespace v1 = events::v1;
namespace wv = watchdog::v1;

constexpr const char* kEvents = "events";
constexpr const char* kLedgers = "ledgers";
constexpr const char* kDeadlines = "deadlines";
constexpr const char* kOutbox = "outbox";
constexpr const char* kMeta = WatchdogState::kOffsetsFamily;

using storage::BigEndianKey;
using storage::FromBigEndianKey;

std::uint64_t WakeSeconds(const wv::Deadline& d) {
  if (!d.has_next_wake()) return ~std::uint64_t{0};
  return static_cast<std::uint64_t>(std::max<std::int64_t>(d.next_wake().seconds(), 0));
}

// `stream`: the child id, or a subject's stream (domain/clocks subjects.h).
std::string DeadlineKey(const std::string& stream, const wv::Deadline& d) {
  return BigEndianKey(WakeSeconds(d)) + stream + '\0' + d.clock_id();
}

// A stream's stored events (a child's, or a subject's copies).
Status LoadStream(const storage::Store& store, const std::string& stream,
                  std::vector<v1::Envelope>& out) {
  return store.Scan(kEvents, stream + '\0', [&](std::string_view, std::string_view value) {
    v1::Envelope& e = out.emplace_back();
    return e.ParseFromArray(value.data(), static_cast<int>(value.size()));
  });
}

std::string Serialize(const google::protobuf::MessageLite& m) {
  std::string out;
  m.SerializeToString(&out);
  return out;
}

std::int64_t Seconds(Instant t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

}  // namespace

StatusOr<std::unique_ptr<WatchdogState>> WatchdogState::Open(const std::string& path,
                                                             bool sync_writes,
                                                             const domain::ClockPolicy& policy,
                                                             bool create) {
  storage::StoreOptions options;
  options.path = path;
  options.create_if_missing = create;
  options.column_families = {kEvents, kLedgers, kDeadlines, kOutbox, kMeta};
  options.sync_writes = sync_writes;
  auto store = storage::Store::Open(options);
  if (!store.ok()) return store.status();
  return std::unique_ptr<WatchdogState>(new WatchdogState(std::move(store).value(), policy));
}

StatusOr<std::uint64_t> WatchdogState::NextSeq() const {
  auto v = store_->Get(kMeta, "outbox_seq");
  if (!v.ok()) return v.status();
  return v.value() ? FromBigEndianKey(*v.value()) : std::uint64_t{0};
}

StatusOr<std::optional<Instant>> WatchdogState::Horizon() const {
  auto v = store_->Get(kMeta, "horizon");
  if (!v.ok()) return v.status();
  if (!v.value()) return std::optional<Instant>();
  return std::optional<Instant>(
      Instant(std::chrono::seconds(static_cast<std::int64_t>(FromBigEndianKey(*v.value())))));
}

Status WatchdogState::Reconcile(const std::string& child, std::vector<v1::Envelope> events,
                                Instant horizon, Instant emitted_at, Change& change,
                                std::uint64_t& seq) {
  wv::ChildLedger previous;
  auto stored = store_->Get(kLedgers, child);
  if (!stored.ok()) return stored.status();
  if (stored.value() && !previous.ParseFromString(*stored.value())) {
    return Internal("ledger of child " + child + " is corrupt");
  }
  domain::Reconciled r =
      domain::ReconcileChild(policy_, child, events, previous, horizon, emitted_at);
  for (const std::string& key : previous.deadline_keys()) change.writes.Delete(kDeadlines, key);
  for (const wv::Deadline& d : r.open) {
    std::string key = DeadlineKey(child, d);
    change.writes.Put(kDeadlines, key, Serialize(d));
    r.ledger.add_deadline_keys(key);
  }
  change.writes.Put(kLedgers, child, Serialize(r.ledger));
  for (alerts::v1::AlertEvent& e : r.emit) {
    change.writes.Put(kOutbox, BigEndianKey(seq++), Serialize(e));
    change.emitted.push_back(std::move(e));
  }
  ++change.children;
  return Status::Ok();
}

StatusOr<Change> WatchdogState::ApplyBatch(std::span<const kafka::Record> records, Instant wall_now,
                                           Instant emitted_at) {
  Change change;
  std::optional<v1::Envelope> newest_beat;
  std::map<std::string, std::vector<v1::Envelope>> fresh;  // By child; "" for none (ADR 0013).
  std::set<std::string> batch_ids;
  for (const kafka::Record& r : records) {
    domain::LogRecord checked = domain::CheckLogRecord(r.key, r.value, wall_now);
    if (!checked.ok()) {
      change.dead.push_back({&r, checked.reason, checked.detail});
      continue;
    }
    v1::Envelope& e = checked.event;
    if (e.has_pipeline_heartbeat()) {
      // Only the newest beat matters; the next caught-up tick passes it on.
      if (!newest_beat || ToInstant(e.occurred_at()) > ToInstant(newest_beat->occurred_at()))
        newest_beat = e;
      continue;
    }
    // Only what the rules can name is kept: no names, dates of birth, ethnicity or free text.
    domain::MinimiseForClocks(e);
    if (e.child_id().empty()) {  // An acknowledgement of a team's or area's alert: copies only.
      ++change.applied;
      fresh[""].push_back(std::move(e));
      continue;
    }
    std::string key = e.child_id() + '\0' + e.event_id();
    auto known = store_->Get(kEvents, key);
    if (!known.ok()) return known.status();
    if (known.value() || !batch_ids.insert(key).second) {
      ++change.duplicates;
      continue;
    }
    change.writes.Put(kEvents, key, e.SerializeAsString());
    ++change.applied;
    fresh[e.child_id()].push_back(std::move(e));
  }
  // Each stream to reconcile (children, and the households, teams and areas their events reach)
  // with its stored events and the fresh ones after them.
  std::map<std::string, std::vector<v1::Envelope>> streams;
  for (const auto& [child, batch] : fresh) {
    std::vector<v1::Envelope> before;
    if (!child.empty()) {
      if (Status s = LoadStream(*store_, child, before); !s.ok()) return s;
    }
    for (const domain::StreamCopy& copy : domain::SubjectCopies(policy_, before, batch)) {
      std::string key = copy.stream + '\0' + copy.event->event_id();
      auto known = store_->Get(kEvents, key);
      if (!known.ok()) return known.status();
      if (known.value() || !batch_ids.insert(key).second) continue;
      change.writes.Put(kEvents, key, copy.event->SerializeAsString());
      auto [it, first] = streams.try_emplace(copy.stream);
      if (first) {
        if (Status s = LoadStream(*store_, copy.stream, it->second); !s.ok()) return s;
      }
      it->second.push_back(*copy.event);
    }
    if (child.empty()) continue;
    before.insert(before.end(), batch.begin(), batch.end());
    streams[child] = std::move(before);
  }
  auto horizon = Horizon();
  if (!horizon.ok()) return horizon.status();
  auto seq = NextSeq();
  if (!seq.ok()) return seq.status();
  std::uint64_t next = seq.value();
  for (auto& [stream, events] : streams) {
    Status s = Reconcile(stream, std::move(events), horizon.value().value_or(Instant{}), emitted_at,
                         change, next);
    if (!s.ok()) return s;
  }
  change.writes.Put(kMeta, "outbox_seq", BigEndianKey(next));
  if (newest_beat) {
    auto stored = store_->Get(kMeta, "heartbeat");
    if (!stored.ok()) return stored.status();
    v1::Envelope previous;
    if (!stored.value() || !previous.ParseFromString(*stored.value()) ||
        ToInstant(previous.occurred_at()) < ToInstant(newest_beat->occurred_at()))
      change.writes.Put(kMeta, "heartbeat", newest_beat->SerializeAsString());
  }
  return change;
}

StatusOr<Change> WatchdogState::Tick(Instant now) {
  Change change;
  std::set<std::string> due;
  std::string limit =
      BigEndianKey(static_cast<std::uint64_t>(std::max<std::int64_t>(Seconds(now), 0)));
  Status s = store_->Scan(kDeadlines, "", [&](std::string_view key, std::string_view) {
    if (key.substr(0, 8) > std::string_view(limit)) return false;
    std::string_view rest = key.substr(8);  // child \0 clock_id
    due.insert(std::string(rest.substr(0, rest.find('\0'))));
    return true;
  });
  if (!s.ok()) return s;
  auto seq = NextSeq();
  if (!seq.ok()) return seq.status();
  std::uint64_t next = seq.value();
  for (const std::string& stream : due) {
    std::vector<v1::Envelope> events;
    if (Status r = LoadStream(*store_, stream, events); !r.ok()) return r;
    if (Status r = Reconcile(stream, std::move(events), now, now, change, next); !r.ok()) return r;
  }
  // The newest heartbeat consumed, passed on once: the tick only runs caught up, so a watchdog
  // that lags or has stopped ticking stops the beat too (ADR 0006).
  auto beat = store_->Get(kMeta, "heartbeat");
  if (!beat.ok()) return beat.status();
  auto passed = store_->Get(kMeta, "heartbeat_passed");
  if (!passed.ok()) return passed.status();
  v1::Envelope hb;
  if (beat.value() && hb.ParseFromString(*beat.value()) &&
      passed.value().value_or("") != hb.event_id()) {
    alerts::v1::AlertEvent e;
    e.set_event_id("heartbeat/" + hb.event_id());
    e.set_step(alerts::v1::STEP_HEARTBEAT);
    e.set_anchor_event_id(hb.event_id());
    *e.mutable_at() = hb.occurred_at();
    *e.mutable_emitted_at() = ToTimestamp(now);
    e.set_heartbeat_interval_seconds(hb.pipeline_heartbeat().interval_seconds());
    change.writes.Put(kOutbox, BigEndianKey(next++), Serialize(e));
    change.writes.Put(kMeta, "heartbeat_passed", hb.event_id());
    change.emitted.push_back(std::move(e));
  }
  change.writes.Put(kMeta, "outbox_seq", BigEndianKey(next));
  change.writes.Put(kMeta, "horizon", BigEndianKey(static_cast<std::uint64_t>(Seconds(now))));
  return change;
}

Status WatchdogState::Commit(const Change& change) { return store_->Write(change.writes); }

StatusOr<std::vector<std::pair<std::string, std::string>>> WatchdogState::Outbox(
    std::size_t limit) const {
  std::vector<std::pair<std::string, std::string>> out;
  Status s = store_->Scan(kOutbox, "", [&](std::string_view key, std::string_view value) {
    out.emplace_back(std::string(key), std::string(value));
    return out.size() < limit;
  });
  if (!s.ok()) return s;
  return out;
}

Status WatchdogState::DeleteOutbox(const std::vector<std::string>& keys) {
  storage::WriteBatch batch;
  for (const std::string& k : keys) batch.Delete(kOutbox, k);
  return store_->Write(batch);
}

StatusOr<std::uint64_t> WatchdogState::OutboxDepth() const {
  auto next = NextSeq();
  if (!next.ok()) return next.status();
  std::optional<std::uint64_t> first;
  Status s = store_->Scan(kOutbox, "", [&](std::string_view key, std::string_view) {
    first = FromBigEndianKey(key);
    return false;
  });
  if (!s.ok()) return s;
  return first ? next.value() - *first : std::uint64_t{0};
}

StatusOr<std::vector<wv::Deadline>> WatchdogState::OpenClocks() const {
  std::vector<wv::Deadline> out;
  Status s = store_->Scan(kDeadlines, "", [&](std::string_view, std::string_view value) {
    return out.emplace_back().ParseFromArray(value.data(), static_cast<int>(value.size()));
  });
  if (!s.ok()) return s;
  return out;
}

StatusOr<std::pair<std::string, std::size_t>> WatchdogState::DeadlineDigest() const {
  crypto::Sha256 digest;
  std::size_t rows = 0;
  Status s = store_->Scan(kDeadlines, "", [&](std::string_view key, std::string_view value) {
    digest.Update(BigEndianKey(key.size()));
    digest.Update(key);
    digest.Update(BigEndianKey(value.size()));
    digest.Update(value);
    ++rows;
    return true;
  });
  if (!s.ok()) return s;
  return std::pair(digest.HexDigest(), rows);
}

}  // namespace sightline::watchdog_service
