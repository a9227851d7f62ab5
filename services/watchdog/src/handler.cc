#include "handler.h"

#include <iostream>

#include "sightline/kafka/reader.h"

namespace sightline::watchdog_service {
namespace {

using std::chrono::steady_clock;
namespace av = alerts::v1;

// Rows sent per wait for the topic's acknowledgements: each wait costs a round trip and
// librdkafka's linger, so a backlog goes out in few of them.
constexpr std::size_t kDrainBatch = 5000;

}  // namespace

WatchdogHandler::WatchdogHandler(const WatchdogConfig& config, WatchdogState& state,
                                 kafka::Producer& alerts, const Clock& clock, const Clock& wall,
                                 WatchdogMetrics& metrics, const kafka::Lease* lease)
    : config_(config),
      state_(state),
      alerts_(alerts),
      clock_(clock),
      wall_(wall),
      metrics_(metrics),
      lease_(lease) {
  metrics_.Active(lease_ == nullptr);
}

TickStatus WatchdogHandler::Snapshot() const {
  std::lock_guard lock(mu_);
  return status_;
}

StatusOr<Change> WatchdogHandler::Prepare(std::span<const kafka::Record> records) {
  return state_.ApplyBatch(records, wall_.Now(), clock_.Now());
}

void WatchdogHandler::Committed(const Change& change) { metrics_.Observe(change); }

StatusOr<bool> WatchdogHandler::Active() {
  if (lease_ == nullptr) return true;
  const std::uint64_t generation = lease_->Generation();
  const bool held = lease_->Held();
  {
    std::lock_guard lock(mu_);
    status_.lease = held ? "held" : "standby";
  }
  metrics_.Active(held && adopted_ == generation);
  if (!held || adopted_ == generation) return held;
  // Newly held: what the last holder sent, before anything is sent again.
  const auto started = steady_clock::now();
  auto records = kafka::ReadTopic(config_.brokers, config_.kafka_properties, config_.alerts_topic,
                                  std::chrono::seconds(60));
  if (!records.ok()) return records.status();
  std::vector<av::AlertEvent> emitted;
  emitted.reserve(records.value().size());
  for (const kafka::Record& r : records.value()) {
    av::AlertEvent e;
    if (e.ParseFromString(r.value)) emitted.push_back(std::move(e));  // Not ours: skipped.
  }
  auto changed = state_.Adopt(emitted);
  if (!changed.ok()) return changed.status();
  adopted_ = generation;
  metrics_.TookOver();
  metrics_.Active(true);
  {
    std::lock_guard lock(mu_);
    ++status_.takeovers;
  }
  std::cerr << "sightline-watchdog: holding the lease (generation " << generation
            << "): " << emitted.size() << " alert events on " << config_.alerts_topic << ", "
            << changed.value() << " ledgers brought up to date in "
            << std::chrono::duration_cast<std::chrono::milliseconds>(steady_clock::now() - started)
                   .count()
            << " ms" << std::endl;
  return true;
}

Status WatchdogHandler::Turn(consumer::Shell& shell) {
  auto active = Active();
  if (!active.ok()) return active.status();
  if (!active.value()) return Status::Ok();  // Standing by: batches are applied, nothing sent.
  if (Status s = Drain(); !s.ok()) return s;
  // A deadline that has fallen due is reconciled now; otherwise the tick comes every `tick`.
  // Either way only the front of the deadline index is read, however many clocks are open.
  auto wake = state_.NextWake();
  if (!wake.ok()) return wake.status();
  // While the consumer is behind, a due deadline waits for the tick like everything else: the
  // tick would refuse to run, and asking the broker for watermarks every turn costs for nothing.
  bool due = !behind_ && wake.value() && *wake.value() <= clock_.Now();
  if (due || steady_clock::now() - last_tick_ >= config_.tick) {
    Status s = MaybeTick(shell);
    last_tick_ = steady_clock::now();
    if (s.ok()) s = Drain();
    if (!s.ok()) return s;
    if (ticked_) {
      std::lock_guard lock(mu_);
      status_.horizon = ticked_;
    }
  }
  if (steady_clock::now() - last_gauges_ >= std::chrono::seconds(2)) {
    auto gauges = state_.ReadGauges();
    if (gauges.ok()) metrics_.SetGauges(gauges.value(), clock_.Now());
    last_gauges_ = steady_clock::now();
  }
  return Status::Ok();
}

Status WatchdogHandler::MaybeTick(consumer::Shell& shell) {
  Instant now = clock_.Now();  // Before the watermarks: what they cover happened by now.
  {
    std::lock_guard lock(mu_);
    status_.clock_now = now;
  }
  behind_ = !shell.RefreshWatermarks();
  if (behind_) return Status::Ok();
  // In slices of at most tick_max_streams streams, each committed and drained before the next,
  // so that memory does not follow the backlog; no batch is consumed in between.
  for (;;) {
    auto change = state_.Tick(now, config_.tick_max_streams);
    if (!change.ok()) return change.status();
    if (Status s = state_.Commit(change.value()); !s.ok()) return s;
    metrics_.Observe(change.value());
    if (change.value().complete) break;
    if (Status s = Drain(); !s.ok()) return s;
  }
  ticked_ = now;  // Published once the outbox is drained (see Turn).
  return Status::Ok();
}

void WatchdogHandler::RefreshOutboxDepth() {
  auto n = state_.OutboxDepth();
  if (!n.ok()) return;  // Only a gauge; the next drain tries again.
  metrics_.OutboxPending(n.value());
  std::lock_guard lock(mu_);
  status_.outbox_pending = n.value();
}

Status WatchdogHandler::Drain() {
  for (bool sent = false;; sent = true) {
    auto rows = state_.Outbox(kDrainBatch);
    if (!rows.ok()) return rows.status();
    if (rows.value().empty()) {
      if (sent) RefreshOutboxDepth();  // Now 0; an idle loop reads nothing more.
      return Status::Ok();
    }
    std::vector<kafka::OutboundMessage> out;
    std::vector<std::pair<av::Step, Instant>> steps;  // For the delay histogram.
    av::AlertEvent e;  // Reused: parsing into it again keeps its strings' storage.
    for (auto& [seq, value] : rows.value()) {
      if (!e.ParseFromString(value)) return Internal("outbox row is not an AlertEvent");
      steps.emplace_back(e.step(), ToInstant(e.at()));
      out.push_back({config_.alerts_topic,
                     e.child_id(),
                     std::move(value),
                     {{"sightline-alert-event-id", e.event_id()}}});
    }
    for (const kafka::Delivery& d : alerts_.SendAndWait(out)) {
      if (!d.status.ok()) {
        RefreshOutboxDepth();
        return Unavailable("alerts topic " + config_.alerts_topic + ": " + d.status.message());
      }
    }
    Instant acknowledged = clock_.Now();
    for (const auto& [step, due] : steps) metrics_.Delivered(step, due, acknowledged);
    if (Status s = state_.Delivered(rows.value().back().first + 1); !s.ok()) return s;
  }
}

}  // namespace sightline::watchdog_service
