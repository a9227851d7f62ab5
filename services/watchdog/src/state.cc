#include "state.h"

#include <algorithm>
#include <set>

#include "sightline/domain/clocks/minimise.h"
#include "sightline/domain/clocks/subjects.h"
#include "sightline/domain/events/validation.h"
#include "state_rows.h"

namespace sightline::watchdog_service {

using namespace state_rows;  // NOLINT(google-build-using-namespace): this store's own rows.

namespace {

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
  options.column_families = {kEvents, kLedgers, kDeadlines, kRaised, kTallies, kOutbox, kMeta};
  options.sync_writes = sync_writes;
  auto store = storage::Store::Open(options);
  if (!store.ok()) return store.status();
  std::unique_ptr<WatchdogState> state(new WatchdogState(std::move(store).value(), policy));
  if (create) {
    if (Status s = state->MigrateTallies(); !s.ok()) return s;
  }
  if (Status s = state->LoadFloors(); !s.ok()) return s;
  return state;
}

Status WatchdogState::MigrateTallies() {
  auto version = store_->Get(kMeta, "tallies_version");
  if (!version.ok()) return version.status();
  if (version.value()) return Status::Ok();
  // A store from before the tallies (ADR 0014): count its clocks and index its open alerts once.
  std::map<std::string, std::int64_t> tallies;
  storage::WriteBatch batch;
  Status s = store_->Scan(kDeadlines, "", [&](std::string_view key, std::string_view value) {
    wv::Deadline d;
    if (!d.ParseFromArray(value.data(), static_cast<int>(value.size()))) return false;
    Tally(d, +1, tallies);
    std::string_view rest = key.substr(8);
    if (d.raised())
      batch.Put(kRaised, RaisedKey(std::string(rest.substr(0, rest.find('\0'))), d), value);
    return true;
  });
  if (!s.ok()) return s;
  for (const auto& [key, n] : tallies)
    if (n > 0) batch.Put(kTallies, key, BigEndianKey(static_cast<std::uint64_t>(n)));
  batch.Put(kMeta, "tallies_version", "1");
  return store_->Write(batch);
}

Status WatchdogState::LoadFloors() {
  auto deadline = store_->Get(kMeta, "deadline_floor");
  if (!deadline.ok()) return deadline.status();
  deadline_floor_ = deadline.value().value_or("");
  auto outbox = store_->Get(kMeta, "outbox_floor");
  if (!outbox.ok()) return outbox.status();
  outbox_floor_ = outbox.value() ? FromBigEndianKey(*outbox.value()) : 0;
  return Status::Ok();
}

std::string WatchdogState::RaisedFloor() const {
  std::lock_guard lock(raised_mu_);
  return raised_floor_;
}

void WatchdogState::LowerRaisedFloor(const std::string& key) const {
  std::lock_guard lock(raised_mu_);
  if (key < raised_floor_) raised_floor_ = key;
}

StatusOr<std::uint64_t> WatchdogState::NextSeq() const {
  auto v = store_->Get(kMeta, "outbox_seq");
  if (!v.ok()) return v.status();
  return v.value() ? FromBigEndianKey(*v.value()) : std::uint64_t{0};
}

StatusOr<std::size_t> WatchdogState::Adopt(std::span<const alerts::v1::AlertEvent> emitted) {
  std::map<std::string, std::vector<const alerts::v1::AlertEvent*>> by_stream;
  for (const alerts::v1::AlertEvent& e : emitted) {
    if (!e.clock_id().empty()) by_stream[domain::StreamOfAlert(e)].push_back(&e);
  }
  storage::WriteBatch batch;
  std::size_t changed = 0;
  for (const auto& [stream, events] : by_stream) {
    wv::ChildLedger ledger;
    auto stored = store_->Get(kLedgers, stream);
    if (!stored.ok()) return stored.status();
    if (stored.value() && !ledger.ParseFromString(*stored.value()))
      return Internal("ledger of " + stream + " is corrupt");
    bool any = false;
    for (const alerts::v1::AlertEvent* e : events) any = domain::MarkEmitted(ledger, *e) || any;
    if (!any) continue;
    batch.Put(kLedgers, stream, ledger.SerializeAsString());
    ++changed;
  }
  if (batch.Count() > 0) {
    if (Status s = store_->Write(batch); !s.ok()) return s;
  }
  return changed;
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
                                std::uint64_t& seq, std::map<std::string, std::int64_t>& tallies) {
  wv::ChildLedger previous;
  auto stored = store_->Get(kLedgers, child);
  if (!stored.ok()) return stored.status();
  if (stored.value() && !previous.ParseFromString(*stored.value())) {
    return Internal("ledger of child " + child + " is corrupt");
  }
  domain::Reconciled r =
      domain::ReconcileChild(policy_, child, events, previous, horizon, emitted_at);
  // The rows as they were: a row that stays byte for byte is not rewritten (no tombstone), and
  // what changed moves the tallies and the open-alert index.
  std::map<std::string, std::string> before, raised_before;
  for (const std::string& key : previous.deadline_keys()) {
    auto row = store_->Get(kDeadlines, key);
    if (!row.ok()) return row.status();
    if (!row.value()) continue;
    wv::Deadline d;
    if (!d.ParseFromString(*row.value()))
      return Internal("deadline row of " + child + " is corrupt");
    Tally(d, -1, tallies);
    if (d.raised()) raised_before.emplace(RaisedKey(child, d), *row.value());
    before.emplace(key, std::move(*row.value()));
  }
  // Writes `value` at `key` unless it is there already; what is left in `old` afterwards goes.
  auto keep_or_put = [&](const char* cf, const std::string& key, const std::string& value,
                         std::map<std::string, std::string>& old) {
    auto it = old.find(key);
    if (it == old.end() || it->second != value) change.writes.Put(cf, key, value);
    if (it != old.end()) old.erase(it);
  };
  for (const wv::Deadline& d : r.open) {
    std::string key = DeadlineKey(child, d);
    std::string value = Serialize(d);
    if (key.compare(0, 8, deadline_floor_, 0, 8) < 0) deadline_floor_ = key.substr(0, 8);
    Tally(d, +1, tallies);
    if (d.raised()) {
      std::string raised = RaisedKey(child, d);
      LowerRaisedFloor(raised);
      keep_or_put(kRaised, raised, value, raised_before);
    }
    keep_or_put(kDeadlines, key, value, before);
    r.ledger.add_deadline_keys(key);
  }
  for (const auto& [key, value] : before) change.writes.Delete(kDeadlines, key);
  for (const auto& [key, value] : raised_before) change.writes.Delete(kRaised, key);
  change.writes.Put(kLedgers, child, Serialize(r.ledger));
  for (alerts::v1::AlertEvent& e : r.emit) {
    change.writes.Put(kOutbox, BigEndianKey(seq++), Serialize(e));
    ++change.emitted[{e.step(), e.rule_id()}];
  }
  ++change.children;
  return Status::Ok();
}

Status WatchdogState::AddTallies(const std::map<std::string, std::int64_t>& deltas,
                                 Change& change) const {
  for (const auto& [key, delta] : deltas) {
    if (delta == 0) continue;
    auto stored = store_->Get(kTallies, key);
    if (!stored.ok()) return stored.status();
    std::int64_t n = (stored.value() ? ReadCount(*stored.value()) : 0) + delta;
    if (n < 0) return Internal("tally " + key + " would fall below zero");
    if (n == 0) {
      change.writes.Delete(kTallies, key);
    } else {
      change.writes.Put(kTallies, key, BigEndianKey(static_cast<std::uint64_t>(n)));
    }
  }
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
  std::map<std::string, std::int64_t> tallies;
  for (auto& [stream, events] : streams) {
    Status s = Reconcile(stream, std::move(events), horizon.value().value_or(Instant{}), emitted_at,
                         change, next, tallies);
    if (!s.ok()) return s;
  }
  if (Status s = AddTallies(tallies, change); !s.ok()) return s;
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

StatusOr<Change> WatchdogState::Tick(Instant now, std::size_t max_streams) {
  Change change;
  std::vector<std::string> due;
  std::set<std::string> seen;
  const std::uint64_t now_s = static_cast<std::uint64_t>(std::max<std::int64_t>(Seconds(now), 0));
  std::string from = tick_resume_.empty() ? deadline_floor_ : tick_resume_;
  std::string last;
  change.complete = true;
  // Rows below the floor were all reconciled by an earlier complete tick; those up to `now` are
  // due. Deleted rows below the floor are never stepped over.
  Status s = store_->ScanRange(kDeadlines, from, BigEndianKey(now_s + 1),
                               [&](std::string_view key, std::string_view) {
                                 std::string_view rest = key.substr(8);  // stream \0 clock_id
                                 std::string stream(rest.substr(0, rest.find('\0')));
                                 if (!seen.contains(stream)) {
                                   if (due.size() == max_streams) {
                                     change.complete = false;
                                     return false;
                                   }
                                   seen.insert(stream);
                                   due.push_back(std::move(stream));
                                 }
                                 last = std::string(key);
                                 return true;
                               });
  if (!s.ok()) return s;
  auto seq = NextSeq();
  if (!seq.ok()) return seq.status();
  std::uint64_t next = seq.value();
  std::map<std::string, std::int64_t> tallies;
  for (const std::string& stream : due) {
    std::vector<v1::Envelope> events;
    if (Status r = LoadStream(*store_, stream, events); !r.ok()) return r;
    if (Status r = Reconcile(stream, std::move(events), now, now, change, next, tallies); !r.ok())
      return r;
  }
  if (Status r = AddTallies(tallies, change); !r.ok()) return r;
  if (!change.complete) {
    // Every row up to `last` belongs to a stream reconciled here (its rows now wake after `now`).
    tick_resume_ = last + '\0';
    change.writes.Put(kMeta, "outbox_seq", BigEndianKey(next));
    return change;
  }
  tick_resume_.clear();
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
    ++change.emitted[{e.step(), e.rule_id()}];
  }
  change.writes.Put(kMeta, "outbox_seq", BigEndianKey(next));
  change.writes.Put(kMeta, "horizon", BigEndianKey(now_s));
  // Every row at or before `now` has been reconciled: what is left wakes after it.
  deadline_floor_ = std::max(deadline_floor_, BigEndianKey(now_s + 1));
  change.writes.Put(kMeta, "deadline_floor", deadline_floor_);
  return change;
}

Status WatchdogState::Commit(const Change& change) {
  // A tick that found nothing due only moves the horizon: losing that to a power cut repeats
  // the tick and loses nothing, so it is not worth an fsync every second.
  bool idle = change.children == 0 && change.emitted.empty();
  return store_->Write(change.writes, idle ? storage::Store::Durability::kUnsynced
                                           : storage::Store::Durability::kAsConfigured);
}

StatusOr<std::optional<Instant>> WatchdogState::NextWake() const {
  std::optional<Instant> wake;
  Status s = store_->ScanRange(kDeadlines, tick_resume_.empty() ? deadline_floor_ : tick_resume_,
                               {}, [&](std::string_view key, std::string_view) {
                                 std::uint64_t w = FromBigEndianKey(key);
                                 if (w != ~std::uint64_t{0})
                                   wake =
                                       Instant(std::chrono::seconds(static_cast<std::int64_t>(w)));
                                 return false;
                               });
  if (!s.ok()) return s;
  return wake;
}

StatusOr<std::vector<std::pair<std::uint64_t, std::string>>> WatchdogState::Outbox(
    std::size_t limit) const {
  std::vector<std::pair<std::uint64_t, std::string>> out;
  Status s = store_->ScanRange(kOutbox, BigEndianKey(outbox_floor_), {},
                               [&](std::string_view key, std::string_view value) {
                                 out.emplace_back(FromBigEndianKey(key), std::string(value));
                                 return out.size() < limit;
                               });
  if (!s.ok()) return s;
  return out;
}

Status WatchdogState::Delivered(std::uint64_t end) {
  if (end <= outbox_floor_) return Status::Ok();
  storage::WriteBatch batch;
  batch.DeleteRange(kOutbox, BigEndianKey(outbox_floor_), BigEndianKey(end));
  batch.Put(kMeta, "outbox_floor", BigEndianKey(end));
  // Unsynced: lost by a power cut, the rows are sent again with the same event ids, which every
  // consumer collapses (ADR 0005).
  if (Status s = store_->Write(batch, storage::Store::Durability::kUnsynced); !s.ok()) return s;
  outbox_floor_ = end;
  return Status::Ok();
}

StatusOr<std::uint64_t> WatchdogState::OutboxDepth() const {
  auto next = NextSeq();
  if (!next.ok()) return next.status();
  return next.value() > outbox_floor_ ? next.value() - outbox_floor_ : std::uint64_t{0};
}

}  // namespace sightline::watchdog_service
