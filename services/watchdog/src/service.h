// The watchdog's run loop and HTTP API. One thread consumes and ticks:
//   poll a batch -> dead letters acknowledged by the DLQ topic -> commit (events, ledgers,
//   deadline rows, outbox, offsets) -> drain the outbox to sightline.alerts.v1;
//   every tick: read the clock *then* the high watermarks; when every partition is caught up,
//   reconcile the children whose next wake has passed at horizon = now, commit, drain.
// Deadlines fire from the wall clock even when no events arrive; after downtime the first
// caught-up tick fires everything that fell due, once (the ledger remembers what was emitted).
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <set>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "config.h"
#include "sightline/clock/clock.h"
#include "sightline/http/server.h"
#include "sightline/kafka/consumer.h"
#include "sightline/kafka/producer.h"
#include "state.h"

namespace sightline::watchdog_service {

struct Progress {
  std::map<std::int32_t, std::int64_t> applied_next, high_watermark;
  bool caught_up = false;
  std::optional<Instant> horizon;
  Instant clock_now{};
  std::size_t outbox_pending = 0;
  std::string last_error;
};

class Metrics {
 public:
  Metrics();
  std::shared_ptr<prometheus::Registry> registry() const { return registry_; }

  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>* events;
  prometheus::Family<prometheus::Counter>* alert_events;
  prometheus::Family<prometheus::Gauge>* open_clocks;
  prometheus::Family<prometheus::Gauge>* alerts;
  prometheus::Family<prometheus::Gauge>* lag;
  prometheus::Gauge* oldest_breach;
  prometheus::Gauge* outbox;
  prometheus::Gauge* caught_up;
  prometheus::Histogram* delay;
};

class Service {
 public:
  Service(const WatchdogConfig& config, WatchdogState& state, kafka::Consumer& consumer,
          kafka::Producer& producer, const Clock& clock, Metrics& metrics);

  Status Run(const std::atomic<bool>& stop);
  Progress Snapshot() const;
  void Register(http::Server& server);

 private:
  Status Start(const std::atomic<bool>& stop);
  Status ApplyRecords(const std::vector<kafka::Record>& records);
  Status MaybeTick();
  Status Drain();
  void Observe(const Change& change);
  void RefreshGauges();
  void RefreshOutboxDepth();

  const WatchdogConfig& config_;
  WatchdogState& state_;
  kafka::Consumer& consumer_;
  kafka::Producer& producer_;
  const Clock& clock_;
  Metrics& metrics_;
  mutable std::mutex mu_;
  Progress progress_;
  std::optional<Instant> ticked_;     // Last committed tick; public after its drain.
  std::set<std::string> rules_seen_;  // Gauges of rules whose clocks all closed go to 0.
  std::map<std::pair<std::string, int>, int> alert_levels_seen_;
};

}  // namespace sightline::watchdog_service
