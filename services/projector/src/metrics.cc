#include "metrics.h"

#include "sightline/core/no_wait.h"

namespace sightline::projector {

ProjectorMetrics::ProjectorMetrics() : registry_(std::make_shared<prometheus::Registry>()) {
  auto& r = *registry_;
  events_ = &prometheus::BuildCounter()
                 .Name("sightline_projector_events_total")
                 .Help("Consumed events by outcome (applied, skipped, dead_lettered), type, reason")
                 .Register(r);
  auto buckets = prometheus::Histogram::BucketBoundaries{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                         0.05,   0.1,   0.25,   0.5,   1,    2.5};
  batch_latency_ = &prometheus::BuildHistogram()
                        .Name("sightline_projector_batch_apply_seconds")
                        .Help("Time to fold, dead-letter and commit one batch to RocksDB")
                        .Register(r)
                        .Add({}, buckets);
  event_latency_ = &prometheus::BuildHistogram()
                        .Name("sightline_projector_apply_seconds_per_event")
                        .Help("Batch apply time divided by the events in it")
                        .Register(r)
                        .Add({}, prometheus::Histogram::BucketBoundaries{
                                     1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4, 5e-4, 1e-3, 5e-3, 1e-2});
  auto& folds = prometheus::BuildCounter()
                    .Name("sightline_projector_folds_total")
                    .Help(
                        "Changed children folded: by the kept fold taking the batch's events "
                        "(path=appended) or from the whole history (path=whole)")
                    .Register(r);
  folds_appended_ = &folds.Add({{"path", "appended"}});
  folds_whole_ = &folds.Add({{"path", "whole"}});
  queue_length_ = &prometheus::BuildGauge()
                       .Name("sightline_projector_queue_length")
                       .Help("Children awaiting a front-door decision")
                       .Register(r)
                       .Add({});
  oldest_waiting_ = &prometheus::BuildGauge()
                         .Name("sightline_projector_oldest_waiting_seconds")
                         .Help("Age of the oldest contact awaiting a decision")
                         .Register(r)
                         .Add({});
  requests_ = &prometheus::BuildCounter()
                   .Name("sightline_projector_http_requests_total")
                   .Help("Triage API requests by endpoint and status code")
                   .Register(r);
  audited_ = &prometheus::BuildCounter()
                  .Name("sightline_projector_audit_events_total")
                  .Help("Access audit events written, by outcome")
                  .Register(r);
  audit_hold_ = &prometheus::BuildHistogram()
                     .Name("sightline_projector_audit_hold_seconds")
                     .Help(
                         "Time an answer was held for its access audit records to be "
                         "acknowledged by Kafka (ADR 0017), or to fail")
                     .Register(r)
                     .Add({}, buckets);
  stream_clients_ = &prometheus::BuildGauge()
                         .Name("sightline_projector_stream_clients")
                         .Help("Open /v1/stream connections")
                         .Register(r)
                         .Add({});
}

void ProjectorMetrics::Events(const std::string& outcome, const std::string& type,
                              const std::string& reason, double n) {
  events_->Add({{"outcome", outcome}, {"type", type}, {"reason", reason}}).Increment(n);
}

void ProjectorMetrics::BatchApplied(double seconds, double events) {
  batch_latency_->Observe(seconds);
  if (events > 0) event_latency_->Observe(seconds / events);
}

void ProjectorMetrics::Folded(int appended, int whole) {
  folds_appended_->Increment(appended);
  folds_whole_->Increment(whole);
}

prometheus::Counter& ProjectorMetrics::RequestCounter(const std::string& endpoint, int status) {
  std::lock_guard lock(counters_mu_);
  auto by_endpoint = request_counters_.find(endpoint);
  if (by_endpoint == request_counters_.end())
    by_endpoint = request_counters_.emplace(endpoint, std::map<int, prometheus::Counter*>{}).first;
  prometheus::Counter*& counter = by_endpoint->second[status];
  if (counter == nullptr)
    counter = &requests_->Add({{"endpoint", endpoint}, {"code", std::to_string(status)}});
  return *counter;
}

prometheus::Counter& ProjectorMetrics::AuditCounter(const std::string& outcome) {
  std::lock_guard lock(counters_mu_);
  auto found = audit_counters_.find(outcome);
  if (found == audit_counters_.end())
    found = audit_counters_.emplace(outcome, &audited_->Add({{"outcome", outcome}})).first;
  return *found->second;
}

void ProjectorMetrics::Request(const std::string& endpoint, int status) {
  // Counted once the answer is used: not by an attempt on the I/O thread that is thrown away and
  // made again on the pool (ADR 0026).
  WhenUsed([counter = &RequestCounter(endpoint, status)] { counter->Increment(); });
}

void ProjectorMetrics::AuditHeld(double seconds) { audit_hold_->Observe(seconds); }

void ProjectorMetrics::Audited(const std::string& outcome) { AuditCounter(outcome).Increment(); }

}  // namespace sightline::projector
