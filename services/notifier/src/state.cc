#include "state.h"

#include <functional>

#include "sightline/domain/events/validation.h"

namespace sightline::notifier_service {
namespace {

namespace av = alerts::v1;
namespace nv = notifier::v1;

constexpr const char* kClocks = "clocks";
constexpr const char* kQueue = "queue";
constexpr const char* kAm = "am";
constexpr const char* kRejected = "rejected";
constexpr const char* kMeta = NotifierState::kOffsetsFamily;

using storage::BigEndianKey;
using storage::FromBigEndianKey;

std::string Prefix(const std::string& receiver) { return receiver + '\0'; }

}  // namespace

StatusOr<std::unique_ptr<NotifierState>> NotifierState::Open(const NotifierConfig& config) {
  storage::StoreOptions options;
  options.path = config.data_dir;
  options.column_families = {kClocks, kQueue, kAm, kRejected, kMeta};
  options.sync_writes = config.sync_writes;
  auto store = storage::Store::Open(options);
  if (!store.ok()) return store.status();
  std::unique_ptr<NotifierState> state(new NotifierState(std::move(store).value(), config));
  for (const ReceiverConfig& r : config.receivers) {
    std::size_t n = 0;
    Status s = state->store_->Scan(kQueue, Prefix(r.name), [&](std::string_view, std::string_view) {
      ++n;
      return true;
    });
    if (!s.ok()) return s;
    state->queued_[r.name] = n;
    if (r.kind == ReceiverKind::kAlertmanager) state->alertmanager_pending_.insert(r.name);
  }
  return state;
}

StatusOr<std::uint64_t> NotifierState::NextSeq() const {
  auto v = store_->Get(kMeta, "seq");
  if (!v.ok()) return v.status();
  return v.value() ? FromBigEndianKey(*v.value()) : 1;
}

Status NotifierState::Enqueue(const domain::Notice& n, Instant now, Change& change,
                              std::uint64_t& seq,
                              std::map<std::string, nv::AlertmanagerRow>& am_rows,
                              const kafka::Record* source) const {
  const ReceiverConfig* r = FindReceiver(config_, n.receiver);
  if (r == nullptr) return Status::Ok();  // Routed under an older config; nobody to tell now.
  if (r->kind == ReceiverKind::kWebhook) {
    nv::Delivery d;
    d.set_receiver(n.receiver);
    d.set_action(n.action);
    *d.mutable_alert() = n.alert;
    *d.mutable_enqueued_at() = ToTimestamp(now);
    if (source != nullptr) {
      d.set_source_partition(source->partition);
      d.set_source_offset(source->offset);
    }
    change.writes.Put(kQueue, Prefix(n.receiver) + BigEndianKey(seq++), d.SerializeAsString());
    ++change.queued[n.receiver];
    return Status::Ok();
  }
  std::string key = Prefix(n.receiver) + n.alert.alert_id();
  auto it = am_rows.find(key);
  if (it == am_rows.end()) {
    nv::AlertmanagerRow row;
    auto stored = store_->Get(kAm, key);
    if (!stored.ok()) return stored.status();
    if (stored.value() && !row.ParseFromString(*stored.value()))
      return Internal("am row " + key + " is not an AlertmanagerRow");
    it = am_rows.emplace(key, std::move(row)).first;
  }
  nv::AlertmanagerRow& row = it->second;
  bool was_clean = row.version() == row.delivered_version();
  google::protobuf::Timestamp started = row.alert().started_at();
  bool keep_start = row.has_alert() && n.alert.has_ends_at();  // The renewed heartbeat alert.
  *row.mutable_alert() = n.alert;
  if (keep_start) *row.mutable_alert()->mutable_started_at() = started;
  row.set_version(row.version() + 1);
  if (was_clean) *row.mutable_pending_since() = ToTimestamp(now);
  change.writes.Put(kAm, key, row.SerializeAsString());
  change.alertmanager_changed.insert(n.receiver);
  return Status::Ok();
}

StatusOr<Change> NotifierState::ApplyBatch(std::span<const kafka::Record> records, Instant now) {
  Change change;
  auto seq = NextSeq();
  if (!seq.ok()) return seq.status();
  std::uint64_t next = seq.value();
  std::map<std::string, nv::ClockNotice> clocks;
  std::map<std::string, nv::AlertmanagerRow> am_rows;
  auto last_beat = LastHeartbeat();
  if (!last_beat.ok()) return last_beat.status();
  std::optional<av::AlertEvent> beat = last_beat.value();
  bool beat_changed = false;
  for (const kafka::Record& r : records) {
    av::AlertEvent e;
    if (!e.ParseFromString(r.value)) {
      change.dead.push_back({&r, "undecodable", "value is not a sightline.alerts.v1.AlertEvent"});
      continue;
    }
    if (e.step() == av::STEP_HEARTBEAT) {
      ++change.heartbeats;
      if (!e.has_at() || e.heartbeat_interval_seconds() <= 0) {
        change.dead.push_back({&r, "invalid", "heartbeat without at or interval"});
        continue;
      }
      if (beat && ToInstant(beat->at()) >= ToInstant(e.at())) continue;
      beat = e;
      beat_changed = true;
      continue;
    }
    if (e.step() == av::STEP_UNSPECIFIED || e.step() > av::STEP_CANCELLED || e.event_id().empty() ||
        e.clock_id().empty() || e.child_id().empty() || r.key != e.child_id()) {
      change.dead.push_back({&r, "invalid",
                             "step, event_id, clock_id and child_id are required, and the Kafka "
                             "key must be the child_id"});
      continue;
    }
    auto it = clocks.find(e.clock_id());
    if (it == clocks.end()) {
      nv::ClockNotice clock;
      auto stored = store_->Get(kClocks, e.clock_id());
      if (!stored.ok()) return stored.status();
      if (stored.value() && !clock.ParseFromString(*stored.value()))
        return Internal("clock row " + e.clock_id() + " is not a ClockNotice");
      it = clocks.emplace(e.clock_id(), std::move(clock)).first;
    }
    std::size_t seen = static_cast<std::size_t>(it->second.seen_event_ids_size());
    std::vector<domain::Notice> notices = domain::ApplyAlertEvent(it->second, e, config_.routes);
    if (static_cast<std::size_t>(it->second.seen_event_ids_size()) == seen) {
      ++change.duplicates;
      continue;
    }
    ++change.applied;
    for (const domain::Notice& n : notices) {
      if (Status s = Enqueue(n, now, change, next, am_rows, &r); !s.ok()) return s;
    }
  }
  for (const auto& [id, clock] : clocks) change.writes.Put(kClocks, id, clock.SerializeAsString());
  if (beat_changed) {
    change.writes.Put(kMeta, "heartbeat", beat->SerializeAsString());
    // The always-firing heartbeat alert (Alertmanager's "Watchdog" convention), renewed by each
    // beat; it ends by itself when beats stop.
    nv::LevelAlert a;
    a.set_alert_id("sightline/heartbeat");
    a.set_alertname("SightlineHeartbeat");
    *a.mutable_started_at() = beat->at();
    a.set_state(nv::ALERT_STATE_FIRING);
    *a.mutable_state_since() = beat->at();
    *a.mutable_emitted_at() = beat->emitted_at();
    a.set_summary("Sightline's pipeline heartbeat: always firing while the pipeline is alive");
    *a.mutable_ends_at() = ToTimestamp(
        ToInstant(beat->at()) +
        config_.heartbeat_missing_after * std::chrono::seconds(beat->heartbeat_interval_seconds()));
    for (const std::string& receiver : config_.heartbeat_receivers) {
      const ReceiverConfig* rc = FindReceiver(config_, receiver);
      if (rc == nullptr || rc->kind != ReceiverKind::kAlertmanager) continue;  // Never page.
      domain::Notice n{receiver, nv::ACTION_TRIGGER, a};
      if (Status s = Enqueue(n, now, change, next, am_rows, nullptr); !s.ok()) return s;
    }
  }
  change.writes.Put(kMeta, "seq", BigEndianKey(next));
  return change;
}

Status NotifierState::RaiseOwn(const std::string& alert_id, bool open,
                               const std::vector<domain::Notice>& notices, Instant now) {
  Change change;
  auto seq = NextSeq();
  if (!seq.ok()) return seq.status();
  std::uint64_t next = seq.value();
  std::map<std::string, nv::AlertmanagerRow> am_rows;
  for (const domain::Notice& n : notices) {
    if (Status s = Enqueue(n, now, change, next, am_rows, nullptr); !s.ok()) return s;
  }
  change.writes.Put(kMeta, "seq", BigEndianKey(next));
  if (open) {
    change.writes.Put(kMeta, "flag/" + alert_id, "1");
  } else {
    change.writes.Delete(kMeta, "flag/" + alert_id);
  }
  return Commit(change);
}

Status NotifierState::Commit(const Change& change) {
  if (Status s = store_->Write(change.writes); !s.ok()) return s;
  Committed(change);
  return Status::Ok();
}

void NotifierState::Committed(const Change& change) {
  for (const auto& [receiver, n] : change.queued) queued_[receiver] += n;
  alertmanager_pending_.insert(change.alertmanager_changed.begin(),
                               change.alertmanager_changed.end());
}

StatusOr<std::vector<std::pair<std::string, nv::Delivery>>> NotifierState::Queue(
    const std::string& receiver, std::size_t limit) const {
  std::vector<std::pair<std::string, nv::Delivery>> out;
  Status bad;
  Status s = store_->Scan(kQueue, Prefix(receiver), [&](std::string_view key, std::string_view v) {
    nv::Delivery d;
    if (!d.ParseFromArray(v.data(), static_cast<int>(v.size()))) {
      bad = Internal("queue row is not a Delivery");
      return false;
    }
    out.emplace_back(std::string(key), std::move(d));
    return out.size() < limit;
  });
  if (!s.ok()) return s;
  if (!bad.ok()) return bad;
  return out;
}

Status NotifierState::ScanSourcedRows(
    const std::function<void(const std::string& receiver, std::string_view key,
                             const nv::Delivery& row)>& visit) const {
  Status failure = Status::Ok();
  for (const ReceiverConfig& r : config_.receivers) {
    if (r.kind != ReceiverKind::kWebhook) continue;
    Status s =
        store_->Scan(kQueue, Prefix(r.name), [&](std::string_view key, std::string_view value) {
          nv::Delivery d;
          if (!d.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
            failure = Internal("queue row of " + r.name + " is not a Delivery");
            return false;
          }
          if (d.has_source_offset()) visit(r.name, key, d);
          return true;
        });
    if (!s.ok()) return s;
    if (!failure.ok()) return failure;
  }
  return Status::Ok();
}

StatusOr<std::map<std::int32_t, std::int64_t>> NotifierState::Undelivered() const {
  std::map<std::int32_t, std::int64_t> lowest;
  Status s = ScanSourcedRows([&](const std::string&, std::string_view, const nv::Delivery& d) {
    auto [it, fresh] = lowest.emplace(d.source_partition(), d.source_offset());
    if (!fresh) it->second = std::min(it->second, d.source_offset());
  });
  if (!s.ok()) return s;
  return lowest;
}

StatusOr<std::size_t> NotifierState::DropDelivered(
    const std::map<std::int32_t, std::int64_t>& delivered) {
  storage::WriteBatch batch;
  std::map<std::string, std::size_t> dropped;
  Status scanned = ScanSourcedRows(
      [&](const std::string& receiver, std::string_view key, const nv::Delivery& d) {
        auto done = delivered.find(d.source_partition());
        if (done != delivered.end() && d.source_offset() < done->second) {
          batch.Delete(kQueue, key);
          ++dropped[receiver];
        }
      });
  if (!scanned.ok()) return scanned;
  if (batch.Count() == 0) return std::size_t{0};
  // Unsynced, as deliveries are: lost to a power cut, the rows are dropped again next time.
  if (Status s = store_->Write(batch, storage::Store::Durability::kUnsynced); !s.ok()) return s;
  std::size_t total = 0;
  for (const auto& [receiver, n] : dropped) {
    queued_[receiver] -= std::min(queued_[receiver], n);
    total += n;
  }
  return total;
}

Status NotifierState::Delivered(const std::string& receiver, const std::string& key) {
  storage::WriteBatch batch;
  batch.Delete(kQueue, key);
  // Not fsynced: after a power cut the row may come back and be delivered again (at least once).
  if (Status s = store_->Write(batch, storage::Store::Durability::kUnsynced); !s.ok()) return s;
  if (queued_[receiver] > 0) --queued_[receiver];
  return Status::Ok();
}

Status NotifierState::Reject(const std::string& receiver, const std::string& key,
                             const nv::Delivery& delivery) {
  storage::WriteBatch batch;
  batch.Delete(kQueue, key);
  batch.Put(kRejected, key, delivery.SerializeAsString());
  if (Status s = store_->Write(batch); !s.ok()) return s;
  if (queued_[receiver] > 0) --queued_[receiver];
  return Status::Ok();
}

StatusOr<std::vector<nv::AlertmanagerRow>> NotifierState::AlertmanagerRows(
    const std::string& receiver, bool only_pending) const {
  std::vector<nv::AlertmanagerRow> out;
  Status bad;
  Status s = store_->Scan(kAm, Prefix(receiver), [&](std::string_view, std::string_view v) {
    nv::AlertmanagerRow row;
    if (!row.ParseFromArray(v.data(), static_cast<int>(v.size()))) {
      bad = Internal("am row is not an AlertmanagerRow");
      return false;
    }
    if (!only_pending || row.delivered_version() < row.version()) out.push_back(std::move(row));
    return true;
  });
  if (!s.ok()) return s;
  if (!bad.ok()) return bad;
  return out;
}

Status NotifierState::AlertmanagerDelivered(const std::string& receiver,
                                            const std::vector<nv::AlertmanagerRow>& posted,
                                            Instant now) {
  storage::WriteBatch batch;
  for (const nv::AlertmanagerRow& p : posted) {
    std::string key = Prefix(receiver) + p.alert().alert_id();
    auto stored = store_->Get(kAm, key);
    if (!stored.ok()) return stored.status();
    nv::AlertmanagerRow row;
    if (!stored.value() || !row.ParseFromString(*stored.value())) continue;
    if (row.version() != p.version()) continue;  // Changed since: still to send.
    bool over = row.alert().state() == nv::ALERT_STATE_RESOLVED ||
                (row.alert().has_ends_at() && ToInstant(row.alert().ends_at()) <= now);
    if (over) {
      batch.Delete(kAm, key);
    } else {
      row.set_delivered_version(row.version());
      row.clear_pending_since();
      batch.Put(kAm, key, row.SerializeAsString());
    }
  }
  return store_->Write(batch, storage::Store::Durability::kUnsynced);  // Lost: sent again.
}

bool NotifierState::AlertmanagerPending(const std::string& receiver) const {
  return alertmanager_pending_.count(receiver) > 0;
}

void NotifierState::AlertmanagerSettled(const std::string& receiver) {
  alertmanager_pending_.erase(receiver);
}

StatusOr<Backlog> NotifierState::BacklogOf(const ReceiverConfig& receiver) const {
  Backlog b;
  if (receiver.kind == ReceiverKind::kWebhook) {
    b.rows = QueuedRows(receiver.name);
    auto head = Queue(receiver.name, 1);
    if (!head.ok()) return head.status();
    if (!head.value().empty()) b.oldest = ToInstant(head.value().front().second.enqueued_at());
    return b;
  }
  if (!AlertmanagerPending(receiver.name)) return b;
  auto rows = AlertmanagerRows(receiver.name, true);
  if (!rows.ok()) return rows.status();
  for (const nv::AlertmanagerRow& row : rows.value()) {
    ++b.rows;
    Instant since = ToInstant(row.pending_since());
    if (!b.oldest || since < *b.oldest) b.oldest = since;
  }
  return b;
}

std::size_t NotifierState::QueuedRows(const std::string& receiver) const {
  auto it = queued_.find(receiver);
  return it == queued_.end() ? 0 : it->second;
}

StatusOr<std::optional<av::AlertEvent>> NotifierState::LastHeartbeat() const {
  auto v = store_->Get(kMeta, "heartbeat");
  if (!v.ok()) return v.status();
  if (!v.value()) return std::optional<av::AlertEvent>();
  av::AlertEvent e;
  if (!e.ParseFromString(*v.value())) return Internal("meta heartbeat is not an AlertEvent");
  return std::optional<av::AlertEvent>(std::move(e));
}

StatusOr<bool> NotifierState::FlagSet(const std::string& alert_id) const {
  auto v = store_->Get(kMeta, "flag/" + alert_id);
  if (!v.ok()) return v.status();
  return v.value().has_value();
}

}  // namespace sightline::notifier_service
