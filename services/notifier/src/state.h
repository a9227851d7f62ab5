// sightline-notifier's durable state in RocksDB (docs/adr/0006-notifier.md).
//
// Consuming a batch of alert events writes, in one WriteBatch: each touched clock's notification
// state, the deliveries it causes and (added by the consumer shell, ADR 0007) the next offsets.
// Deliveries wait in per-receiver rows until the receiver answers 2xx:
//   clocks   clock_id                       -> ClockNotice
//   queue    receiver \0 seq (8 bytes BE)   -> Delivery          (webhook receivers, FIFO)
//   am       receiver \0 alert_id           -> AlertmanagerRow   (Alertmanager receivers)
//   rejected receiver \0 seq                -> Delivery          (answered 4xx: kept, counted)
//   meta     "seq", "heartbeat" (newest beat), "flag/<alert_id>" (own alerts open), offsets rows
// One writer thread; the API reads alongside.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "config.h"
#include "sightline/consumer/shell.h"
#include "sightline/kafka/record.h"
#include "sightline/notifier/v1/notifier.pb.h"
#include "sightline/storage/store.h"

namespace sightline::notifier_service {

// A consumed batch, or the notifier's own alerts: writes, dead letters (batches only) and counts.
struct Change : consumer::Batch {
  std::size_t applied = 0, duplicates = 0, heartbeats = 0;
  std::map<std::string, std::size_t> queued;   // New webhook rows per receiver.
  std::set<std::string> alertmanager_changed;  // Receivers with Alertmanager rows to send.
};

struct Backlog {
  std::size_t rows = 0;           // Waiting for the receiver.
  std::optional<Instant> oldest;  // Since when the oldest of them waits.
};

class NotifierState {
 public:
  // The column family that holds the consumer shell's offsets rows.
  static constexpr char kOffsetsFamily[] = "meta";

  static StatusOr<std::unique_ptr<NotifierState>> Open(const NotifierConfig& config);

  StatusOr<Change> ApplyBatch(std::span<const kafka::Record> records, Instant now);
  // Sightline's own alerts (heartbeat missing, undeliverable): queued like the others, with the
  // flag that says the alert `alert_id` is open set or cleared in the same write.
  Status RaiseOwn(const std::string& alert_id, bool open,
                  const std::vector<domain::Notice>& notices, Instant now);
  // Writes a change of the notifier's own (a batch's is written by the shell), then Committed.
  Status Commit(const Change& change);
  // The change is durable: the in-memory queue figures follow it.
  void Committed(const Change& change);

  // Webhook receivers: the oldest rows first.
  StatusOr<std::vector<std::pair<std::string, notifier::v1::Delivery>>> Queue(
      const std::string& receiver, std::size_t limit) const;
  Status Delivered(const std::string& receiver, const std::string& key);
  Status Reject(const std::string& receiver, const std::string& key,
                const notifier::v1::Delivery& delivery);

  // Alertmanager receivers: rows not yet delivered at their version, or all of them.
  StatusOr<std::vector<notifier::v1::AlertmanagerRow>> AlertmanagerRows(const std::string& receiver,
                                                                        bool only_pending) const;
  // The receiver accepted these rows: each is marked delivered at the version posted (a row
  // changed since stays pending); a resolved or expired one is removed.
  Status AlertmanagerDelivered(const std::string& receiver,
                               const std::vector<notifier::v1::AlertmanagerRow>& posted,
                               Instant now);

  // Whether an Alertmanager receiver may have rows to send: set by commits that change its rows
  // (and at start), cleared by the sender when it finds none pending. Spares a scan per loop.
  bool AlertmanagerPending(const std::string& receiver) const;
  void AlertmanagerSettled(const std::string& receiver);

  StatusOr<Backlog> BacklogOf(const ReceiverConfig& receiver) const;

  // With several instances (ADR 0022). The holder's delivered watermark: per partition of the
  // alerts topic, the lowest source offset of a webhook row still queued (partitions with none
  // are left out; the caller adds its applied offsets). Reads the queues (bounded by queue_max).
  StatusOr<std::map<std::int32_t, std::int64_t>> Undelivered() const;
  // A standby drops the webhook rows the holder has delivered: those whose source offset is
  // below `delivered` for its partition. Returns how many went.
  StatusOr<std::size_t> DropDelivered(const std::map<std::int32_t, std::int64_t>& delivered);
  std::size_t QueuedRows(const std::string& receiver) const;

  storage::Store& store() { return *store_; }
  StatusOr<std::optional<alerts::v1::AlertEvent>> LastHeartbeat() const;
  // Whether Sightline's own alert `alert_id` is open (see RaiseOwn).
  StatusOr<bool> FlagSet(const std::string& alert_id) const;

 private:
  NotifierState(std::unique_ptr<storage::Store> store, const NotifierConfig& config)
      : store_(std::move(store)), config_(config) {}
  // `source`: the alert event's record (null for the notifier's own alerts).
  Status Enqueue(const domain::Notice& notice, Instant now, Change& change, std::uint64_t& seq,
                 std::map<std::string, notifier::v1::AlertmanagerRow>& am_rows,
                 const kafka::Record* source) const;
  StatusOr<std::uint64_t> NextSeq() const;
  // Every webhook row that came from an alert event (it has a source), with its receiver and key.
  Status ScanSourcedRows(const std::function<void(const std::string& receiver, std::string_view key,
                                                  const notifier::v1::Delivery& row)>& visit) const;

  std::unique_ptr<storage::Store> store_;
  const NotifierConfig& config_;
  std::map<std::string, std::size_t> queued_;  // Webhook rows per receiver (from Open on).
  std::set<std::string> alertmanager_pending_;
};

}  // namespace sightline::notifier_service
