#include "handler.h"

namespace sightline::notifier_service {

NotifierHandler::NotifierHandler(const NotifierConfig& config, NotifierState& state,
                                 Deliverer& deliverer, HeartbeatWatch& heartbeat,
                                 const Clock& clock, NotifierMetrics& metrics)
    : config_(config),
      state_(state),
      deliverer_(deliverer),
      heartbeat_(heartbeat),
      clock_(clock),
      metrics_(metrics) {}

StatusOr<Change> NotifierHandler::Prepare(std::span<const kafka::Record> records) {
  return state_.ApplyBatch(records, clock_.Now());
}

void NotifierHandler::Committed(const Change& change) {
  state_.Committed(change);
  metrics_.Consumed(change);
}

bool NotifierHandler::WantsRecords() {
  bool full = false;
  for (const ReceiverConfig& r : config_.receivers)
    full = full || state_.QueuedRows(r.name) >= config_.queue_max;
  paused_ = full;
  return !full;
}

Status NotifierHandler::Turn(consumer::Shell&) {
  for (const ReceiverConfig& r : config_.receivers) {
    if (Status s = deliverer_.Deliver(r); !s.ok()) return s;
  }
  if (std::chrono::steady_clock::now() - last_check_ >= std::chrono::milliseconds(250)) {
    if (Status s = heartbeat_.Check(); !s.ok()) return s;
    if (Status s = deliverer_.CheckBacklogs(); !s.ok()) return s;
    last_check_ = std::chrono::steady_clock::now();
  }
  return Status::Ok();
}

}  // namespace sightline::notifier_service
