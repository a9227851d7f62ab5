#include "heartbeat.h"

#include <iostream>

#include "sightline/domain/events/validation.h"

namespace sightline::gateway {

events::v1::Envelope MakeHeartbeat(const std::string& source, std::int64_t sequence,
                                   std::chrono::seconds interval, Instant now) {
  events::v1::Envelope e;
  auto unix_ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch());
  e.set_event_id("heartbeat-" + source + "-" + std::to_string(unix_ms.count()) + "-" +
                 std::to_string(sequence));
  *e.mutable_occurred_at() = ToTimestamp(now);
  *e.mutable_recorded_at() = ToTimestamp(now);
  e.mutable_actor()->set_user_id(source);
  e.mutable_actor()->set_role(events::v1::ROLE_SYSTEM);
  e.set_source_agency(events::v1::AGENCY_CHILDRENS_SOCIAL_CARE);
  auto* h = e.mutable_pipeline_heartbeat();
  h->set_source(source);
  h->set_sequence(sequence);
  h->set_interval_seconds(interval.count());
  return e;
}

Heartbeat::Heartbeat(EventSink& sink, const Clock& clock, std::string source,
                     std::chrono::seconds interval)
    : sink_(sink), clock_(clock), source_(std::move(source)), interval_(interval) {
  thread_ = std::thread([this] { Run(); });
}

Heartbeat::~Heartbeat() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

std::int64_t Heartbeat::sent() const {
  std::lock_guard lock(mu_);
  return sent_;
}

void Heartbeat::Run() {
  std::int64_t sequence = 0;
  std::unique_lock lock(mu_);
  while (!stop_) {
    lock.unlock();
    events::v1::Envelope beat = MakeHeartbeat(source_, ++sequence, interval_, clock_.Now());
    // Waits at most an interval: with Kafka down the beat stays queued and the next one waits
    // its turn, so a stop is never held up by a beat Kafka has not answered.
    auto deliveries = sink_.WriteWithin(std::span(&beat, 1), interval_, [](auto) {});
    bool ok = deliveries && !deliveries->empty() && deliveries->front().status.ok();
    if (!ok) {
      std::cerr << "sightline-gateway: heartbeat " << sequence << " not written: "
                << (!deliveries           ? std::string("no answer from Kafka in time")
                    : deliveries->empty() ? std::string("no delivery report")
                                          : deliveries->front().status.message())
                << "\n";
    }
    lock.lock();
    if (ok) ++sent_;
    cv_.wait_for(lock, interval_, [this] { return stop_; });
  }
}

}  // namespace sightline::gateway
