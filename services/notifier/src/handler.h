// What the notifier brings to the consumer shell (ADR 0007), on the shell's one thread:
//   Prepare       alert events -> per-clock notice state and the deliveries they cause;
//   Committed     the queue figures and metrics follow the durable change;
//   Turn          deliver each receiver's queue; every 250 ms watch the heartbeat and the
//                 backlogs (Sightline's own alerts);
//   WantsRecords  false while any receiver's queue is full: alerts wait in Kafka, none dropped.
#pragma once

#include <atomic>
#include <chrono>

#include "deliverer.h"
#include "heartbeat.h"
#include "metrics.h"
#include "sightline/consumer/shell.h"
#include "state.h"

namespace sightline::notifier_service {

class NotifierHandler final : public consumer::Handler<Change> {
 public:
  NotifierHandler(const NotifierConfig& config, NotifierState& state, Deliverer& deliverer,
                  HeartbeatWatch& heartbeat, const Clock& clock, NotifierMetrics& metrics);

  StatusOr<Change> Prepare(std::span<const kafka::Record> records) override;
  void Committed(const Change& change) override;
  Status Turn(consumer::Shell& shell) override;
  bool WantsRecords() override;

  bool Paused() const { return paused_; }

 private:
  const NotifierConfig& config_;
  NotifierState& state_;
  Deliverer& deliverer_;
  HeartbeatWatch& heartbeat_;
  const Clock& clock_;
  NotifierMetrics& metrics_;
  std::atomic<bool> paused_{false};
  std::chrono::steady_clock::time_point last_check_{};
};

}  // namespace sightline::notifier_service
