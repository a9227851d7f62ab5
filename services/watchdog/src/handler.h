// What the watchdog brings to the consumer shell (ADR 0007), on the shell's one thread:
//   Prepare    a batch of case events -> events, ledgers, deadline rows and outbox rows
//              (reconciled at the horizon, the last caught-up tick);
//   Committed  metrics;
//   Turn       drain the outbox to sightline.alerts.v1; every `tick`: read the clock *then* ask the
//              shell whether every partition is caught up, and only then reconcile the children
//              whose next wake has passed (horizon = now), commit and drain; gauges.
// Deadlines fire from the wall clock even when no events arrive; after downtime the first
// caught-up tick fires everything that fell due, once (the ledger remembers what was emitted).
// With a lease (several instances, ADR 0022), Turn does all of that only while the lease is
// held; a standby applies batches (its store stays warm) and sends nothing. On taking the lease
// it first reads the alerts topic into its ledgers (WatchdogState::Adopt), so that what the last
// holder sent is not sent again and what it did not send is.
// Snapshot() may be called from any thread.
#pragma once

#include <chrono>
#include <mutex>
#include <optional>

#include "config.h"
#include "metrics.h"
#include "sightline/clock/clock.h"
#include "sightline/consumer/shell.h"
#include "sightline/kafka/lease.h"
#include "sightline/kafka/producer.h"
#include "state.h"

namespace sightline::watchdog_service {

struct TickStatus {
  Instant clock_now{};
  std::optional<Instant> horizon;  // Last tick whose alert events are all on the topic.
  std::uint64_t outbox_pending = 0;
  std::string lease = "none";  // "none" (one instance), "held" or "standby".
  std::uint64_t takeovers = 0;
};

class WatchdogHandler final : public consumer::Handler<Change> {
 public:
  // `clock` decides when deadlines fire (simulated in tests); `wall` is the real clock that
  // consumed events are validated against.
  // `lease`: null when this is the only instance.
  WatchdogHandler(const WatchdogConfig& config, WatchdogState& state, kafka::Producer& alerts,
                  const Clock& clock, const Clock& wall, WatchdogMetrics& metrics,
                  const kafka::Lease* lease = nullptr);

  StatusOr<Change> Prepare(std::span<const kafka::Record> records) override;
  void Committed(const Change& change) override;
  Status Turn(consumer::Shell& shell) override;

  TickStatus Snapshot() const;

 private:
  Status MaybeTick(consumer::Shell& shell);
  // Whether this instance may send now; takes over (Adopt) when the lease is newly held.
  StatusOr<bool> Active();
  Status Drain();
  void RefreshOutboxDepth();

  const WatchdogConfig& config_;
  WatchdogState& state_;
  kafka::Producer& alerts_;
  const Clock& clock_;
  const Clock& wall_;
  WatchdogMetrics& metrics_;
  const kafka::Lease* lease_;
  std::uint64_t adopted_ = 0;      // The lease generation whose takeover is done.
  std::optional<Instant> ticked_;  // Last committed tick; public after its drain.
  bool behind_ = false;            // The last tick found the consumer not caught up.
  std::chrono::steady_clock::time_point last_tick_{};
  std::chrono::steady_clock::time_point last_gauges_{};
  mutable std::mutex mu_;
  TickStatus status_;
};

}  // namespace sightline::watchdog_service
