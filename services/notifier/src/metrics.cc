#include "metrics.h"

namespace sightline::notifier_service {

NotifierMetrics::NotifierMetrics(const NotifierConfig& config)
    : registry_(std::make_shared<prometheus::Registry>()),
      alert_events_(prometheus::BuildCounter()
                        .Name("sightline_notifier_alert_events_total")
                        .Help("Consumed alert events by outcome (applied, duplicate, heartbeat, "
                              "dead_lettered)")
                        .Register(*registry_)),
      deliveries_(prometheus::BuildCounter()
                      .Name("sightline_notifier_deliveries_total")
                      .Help("Deliveries by receiver and outcome (delivered, failed, rejected)")
                      .Register(*registry_)),
      latency_family_(prometheus::BuildHistogram()
                          .Name("sightline_notifier_delivery_latency_seconds")
                          .Help("From the watchdog emitting a raise or escalation to the "
                                "receiver's 2xx")
                          .Register(*registry_)),
      queue_depth_(prometheus::BuildGauge()
                       .Name("sightline_notifier_queue_depth")
                       .Help("Notifications waiting for the receiver (the retry queue)")
                       .Register(*registry_)),
      oldest_(prometheus::BuildGauge()
                  .Name("sightline_notifier_oldest_undelivered_seconds")
                  .Help("How long the oldest notification waiting for the receiver has waited")
                  .Register(*registry_)),
      circuit_open_(prometheus::BuildGauge()
                        .Name("sightline_notifier_circuit_open")
                        .Help("1 while the receiver's circuit is open (consecutive failures)")
                        .Register(*registry_)),
      heartbeat_age_(prometheus::BuildGauge()
                         .Name("sightline_notifier_heartbeat_age_seconds")
                         .Help("Age of the newest pipeline heartbeat (since the notifier started "
                               "when none has arrived)")
                         .Register(*registry_)
                         .Add({})),
      heartbeat_last_(prometheus::BuildGauge()
                          .Name("sightline_notifier_last_heartbeat_timestamp_seconds")
                          .Help("Unix time of the newest pipeline heartbeat (0: none yet)")
                          .Register(*registry_)
                          .Add({})) {
  for (const ReceiverConfig& r : config.receivers) {
    latency_[r.name] = &latency_family_.Add(
        {{"receiver", r.name}},
        prometheus::Histogram::BucketBoundaries{0.1, 0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600});
    for (const char* outcome : {"delivered", "failed", "rejected"})
      deliveries_.Add({{"receiver", r.name}, {"outcome", outcome}});
  }
}

void NotifierMetrics::Consumed(const Change& c) {
  alert_events_.Add({{"outcome", "applied"}}).Increment(static_cast<double>(c.applied));
  alert_events_.Add({{"outcome", "duplicate"}}).Increment(static_cast<double>(c.duplicates));
  alert_events_.Add({{"outcome", "heartbeat"}}).Increment(static_cast<double>(c.heartbeats));
  alert_events_.Add({{"outcome", "dead_lettered"}}).Increment(static_cast<double>(c.dead.size()));
}

void NotifierMetrics::Delivery(const std::string& receiver, const std::string& outcome, double n) {
  deliveries_.Add({{"receiver", receiver}, {"outcome", outcome}}).Increment(n);
}

void NotifierMetrics::Latency(const std::string& receiver, double seconds) {
  auto it = latency_.find(receiver);
  if (it != latency_.end()) it->second->Observe(seconds);
}

void NotifierMetrics::Receiver(const std::string& receiver, double queued, double oldest_seconds,
                               bool open) {
  queue_depth_.Add({{"receiver", receiver}}).Set(queued);
  oldest_.Add({{"receiver", receiver}}).Set(oldest_seconds);
  circuit_open_.Add({{"receiver", receiver}}).Set(open ? 1 : 0);
}

void NotifierMetrics::Heartbeat(double age_seconds, double last_unix_seconds) {
  heartbeat_age_.Set(age_seconds);
  heartbeat_last_.Set(last_unix_seconds);
}

}  // namespace sightline::notifier_service
