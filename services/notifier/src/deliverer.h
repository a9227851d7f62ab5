// Delivery to the on-call receivers (docs/adr/0006-notifier.md), on the notifier's one loop
// thread:
//   - a webhook receiver's queue goes out in order, the head retried until a 2xx (a 4xx other
//     than 408/429 is a rejection: kept in `rejected`, counted, not retried);
//   - an Alertmanager receiver gets every changed alert at once, and every active alert again
//     each resend interval (Alertmanager forgets alerts whose end passes);
//   - after a failure a receiver waits (exponential backoff with jitter); after
//     `circuit_open_after` failures in a row its circuit shows open;
//   - a receiver that took nothing for `undeliverable_after` is reported to its fallback, and
//     the report resolves when it drains.
// Snapshot() may be called from any thread.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include "config.h"
#include "metrics.h"
#include "sightline/clock/clock.h"
#include "state.h"

namespace sightline::notifier_service {

struct ReceiverStatus {
  int failures = 0;  // In a row.
  std::chrono::steady_clock::time_point next_attempt{};
  std::chrono::steady_clock::time_point last_resend{};
  std::string last_error;
  std::size_t delivered = 0;
  Backlog backlog;
};

class Deliverer {
 public:
  Deliverer(const NotifierConfig& config, NotifierState& state, const Clock& clock,
            NotifierMetrics& metrics);

  // One turn for the receiver: nothing while its backoff lasts. Delivery failures are the
  // receiver's, never the loop's: only a store error is returned.
  Status Deliver(const ReceiverConfig& receiver);
  // Backlogs, the undeliverable reports to fallbacks, and the receivers' gauges.
  Status CheckBacklogs();

  std::map<std::string, ReceiverStatus> Snapshot() const;
  bool CircuitOpen(const ReceiverStatus& status) const;

 private:
  Status DeliverWebhook(const ReceiverConfig& receiver);
  Status DeliverWebhookRows(const ReceiverConfig& receiver,
                            const std::vector<std::pair<std::string, notifier::v1::Delivery>>& rows,
                            bool& failed);
  Status DeliverAlertmanager(const ReceiverConfig& receiver);
  void Failed(const ReceiverConfig& receiver, const std::string& why);
  void Succeeded(const ReceiverConfig& receiver, std::size_t delivered);

  const NotifierConfig& config_;
  NotifierState& state_;
  const Clock& clock_;
  NotifierMetrics& metrics_;
  std::mt19937_64 rng_{std::random_device{}()};
  mutable std::mutex mu_;
  std::map<std::string, ReceiverStatus> receivers_;
};

}  // namespace sightline::notifier_service
