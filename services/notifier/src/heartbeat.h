// The pipeline heartbeat's watch (ADR 0006): the gateway writes a beat every interval, the
// watchdog passes the newest on at each caught-up tick, and the notifier records it when
// consumed. When no beat has arrived for `heartbeat_missing_after` intervals (counted from the
// last beat, or from start-up when none came), SightlineHeartbeatMissing goes to the
// heartbeat receivers, once; it resolves when beats return. Runs on the loop thread;
// Snapshot() from any thread.
#pragma once

#include <mutex>
#include <optional>

#include "config.h"
#include "metrics.h"
#include "sightline/clock/clock.h"
#include "state.h"

namespace sightline::notifier_service {

struct HeartbeatStatus {
  std::optional<Instant> last_beat;
  bool missing = false;
  bool watched = false;
};

class HeartbeatWatch {
 public:
  HeartbeatWatch(const NotifierConfig& config, NotifierState& state, const Clock& clock,
                 NotifierMetrics& metrics);
  Status Check();
  HeartbeatStatus Snapshot() const;

 private:
  const NotifierConfig& config_;
  NotifierState& state_;
  const Clock& clock_;
  NotifierMetrics& metrics_;
  Instant started_at_;
  mutable std::mutex mu_;
  HeartbeatStatus status_;
};

}  // namespace sightline::notifier_service
