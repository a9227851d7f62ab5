// The projector's own Prometheus metrics, shared by the handler and the API threads
// (prometheus-cpp metrics are thread-safe). The consumer shell adds lag, applied offsets,
// caught-up and apply errors to the same registry.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace sightline::projector {

class ProjectorMetrics {
 public:
  ProjectorMetrics();
  prometheus::Registry& registry() { return *registry_; }

  // outcome: applied | skipped | dead_lettered.
  void Events(const std::string& outcome, const std::string& type, const std::string& reason,
              double n);
  void BatchApplied(double seconds, double events);
  // Changed children folded by their kept fold taking a batch's events, and from their whole
  // history (ADR 0023).
  void Folded(int appended, int whole);
  void QueueLength(double n) { queue_length_->Set(n); }
  void OldestWaitingSeconds(double s) { oldest_waiting_->Set(s); }
  void Request(const std::string& endpoint, int status);
  void Audited(const std::string& outcome);
  // How long one answer was held until its audit records were acknowledged (or failed).
  void AuditHeld(double seconds);
  void StreamClients(int open) { stream_clients_->Set(open); }

 private:
  // A request's and an audit's counters, found by their labels once and then kept: Family::Add
  // builds and hashes a label map on every call, and these two are called on every request.
  prometheus::Counter& RequestCounter(const std::string& endpoint, int status);
  prometheus::Counter& AuditCounter(const std::string& outcome);

  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>* events_;
  prometheus::Histogram* batch_latency_;
  prometheus::Histogram* event_latency_;
  prometheus::Counter* folds_appended_;
  prometheus::Counter* folds_whole_;
  prometheus::Gauge* queue_length_;
  prometheus::Gauge* oldest_waiting_;
  prometheus::Family<prometheus::Counter>* requests_;
  prometheus::Family<prometheus::Counter>* audited_;
  prometheus::Histogram* audit_hold_;
  prometheus::Gauge* stream_clients_;
  std::mutex counters_mu_;
  std::map<std::string, std::map<int, prometheus::Counter*>, std::less<>> request_counters_;
  std::map<std::string, prometheus::Counter*, std::less<>> audit_counters_;
};

}  // namespace sightline::projector
