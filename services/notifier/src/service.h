// sightline-notifier's loop: consume alert events into durable per-receiver queues (paused
// while any queue is full), deliver each receiver's queue in order with backoff and a circuit,
// page when the pipeline heartbeat stops or a receiver stays unreachable, and serve status and
// metrics. One thread does all writes; the HTTP threads only read.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <atomic>
#include <map>
#include <mutex>
#include <random>

#include "sightline/clock/clock.h"
#include "sightline/http/server.h"
#include "sightline/kafka/consumer.h"
#include "sightline/kafka/producer.h"
#include "state.h"

namespace sightline::notifier_service {

struct Metrics {
  Metrics();
  std::shared_ptr<prometheus::Registry> registry() const { return registry_; }
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>* alert_events;
  prometheus::Family<prometheus::Counter>* deliveries;
  prometheus::Family<prometheus::Histogram>* latency;
  prometheus::Family<prometheus::Gauge>* queue_depth;
  prometheus::Family<prometheus::Gauge>* oldest;
  prometheus::Family<prometheus::Gauge>* circuit_open;
  prometheus::Family<prometheus::Gauge>* lag;
  prometheus::Gauge* heartbeat_age;
  prometheus::Gauge* heartbeat_last;
};

struct ReceiverStatus {
  int failures = 0;
  std::chrono::steady_clock::time_point next_attempt{};
  std::chrono::steady_clock::time_point last_resend{};
  std::string last_error;
  std::size_t delivered = 0;
};

class Service {
 public:
  Service(const NotifierConfig& config, NotifierState& state, kafka::Consumer& consumer,
          kafka::Producer& producer, const Clock& clock, Metrics& metrics);
  Status Run(const std::atomic<bool>& stop);
  void Register(http::Server& server);

 private:
  Status Start(const std::atomic<bool>& stop);
  Status Consume();
  Status Deliver(const ReceiverConfig& receiver);
  Status DeliverWebhook(const ReceiverConfig& receiver);
  Status DeliverWebhookRows(const ReceiverConfig& receiver,
                            const std::vector<std::pair<std::string, notifier::v1::Delivery>>& rows,
                            bool& failed);
  Status DeliverAlertmanager(const ReceiverConfig& receiver);
  Status CheckOwnAlerts();
  void Failed(const ReceiverConfig& receiver, const std::string& why);
  void RefreshGauges();
  http::Response Status_() const;

  const NotifierConfig& config_;
  NotifierState& state_;
  kafka::Consumer& consumer_;
  kafka::Producer& producer_;
  const Clock& clock_;
  Metrics& metrics_;
  std::mt19937_64 rng_{std::random_device{}()};
  Instant started_at_;
  std::map<std::string, prometheus::Histogram*> latency_;  // Per receiver.

  mutable std::mutex mu_;  // Guards what the API reads below.
  std::map<std::string, ReceiverStatus> receivers_;
  std::map<std::string, Backlog> backlog_;
  std::map<std::int32_t, std::int64_t> applied_next_;
  std::map<std::int32_t, std::int64_t> high_watermark_;
  std::optional<Instant> last_beat_;
  bool heartbeat_missing_ = false;
  bool paused_ = false;
  std::string last_error_;
};

}  // namespace sightline::notifier_service
