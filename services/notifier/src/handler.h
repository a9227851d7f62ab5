// What the notifier brings to the consumer shell (ADR 0007), on the shell's one thread:
//   Prepare       alert events -> per-clock notice state and the deliveries they cause;
//   Committed     the queue figures and metrics follow the durable change;
//   Turn          deliver each receiver's queue; every 250 ms watch the heartbeat and the
//                 backlogs (Sightline's own alerts);
//   WantsRecords  false while any receiver's queue is full: alerts wait in Kafka, none dropped.
// With a lease (several instances, ADR 0022) only the holder delivers and watches; it keeps its
// delivered watermark in the lease's group (per partition, the lowest source offset of a webhook
// row not yet delivered). A standby applies batches too and drops the webhook rows below that
// watermark, so its queues follow the holder's; on taking over it drops them once more and
// delivers the rest (at least once: what the holder sent after its last commit goes again, with
// the same dedup key).
#pragma once

#include <atomic>
#include <chrono>

#include "deliverer.h"
#include "heartbeat.h"
#include "metrics.h"
#include "sightline/consumer/shell.h"
#include "sightline/kafka/lease.h"
#include "state.h"

namespace sightline::notifier_service {

class NotifierHandler final : public consumer::Handler<Change> {
 public:
  // `lease`: null when this is the only instance.
  NotifierHandler(const NotifierConfig& config, NotifierState& state, Deliverer& deliverer,
                  HeartbeatWatch& heartbeat, const Clock& clock, NotifierMetrics& metrics,
                  kafka::Lease* lease = nullptr);

  StatusOr<Change> Prepare(std::span<const kafka::Record> records) override;
  void Committed(const Change& change) override;
  Status Turn(consumer::Shell& shell) override;
  bool WantsRecords() override;

  bool Paused() const { return paused_; }
  // "none" (one instance), "held" or "standby".
  std::string LeaseState() const;
  std::uint64_t Takeovers() const { return takeovers_; }

 private:
  const NotifierConfig& config_;
  NotifierState& state_;
  Deliverer& deliverer_;
  HeartbeatWatch& heartbeat_;
  const Clock& clock_;
  NotifierMetrics& metrics_;
  std::atomic<bool> paused_{false};
  std::chrono::steady_clock::time_point last_check_{};

  // The lease's side of Turn: whether to deliver now.
  StatusOr<bool> Active(consumer::Shell& shell);
  // Drops what the holder has delivered; returns its watermark.
  StatusOr<std::map<std::int32_t, std::int64_t>> Follow(const consumer::Shell& shell);
  // Holder: tells the others how far it has delivered.
  Status Publish(const consumer::Shell& shell);
  kafka::Lease* lease_;
  std::uint64_t adopted_ = 0;  // The lease generation whose takeover is done.
  std::atomic<std::uint64_t> takeovers_{0};
  std::atomic<bool> held_{false};
  std::map<std::int32_t, std::int64_t> published_;
  // The last holder's watermark where this instance had not yet applied as far when it took
  // over: rows it queues below it are dropped before each delivery, until it has caught up.
  std::map<std::int32_t, std::int64_t> inherited_;
  std::chrono::steady_clock::time_point last_lease_work_{};
};

}  // namespace sightline::notifier_service
