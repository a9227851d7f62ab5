#include "handler.h"

namespace sightline::watchdog_service {
namespace {

using std::chrono::steady_clock;
namespace av = alerts::v1;

constexpr std::size_t kDrainBatch = 500;

}  // namespace

WatchdogHandler::WatchdogHandler(const WatchdogConfig& config, WatchdogState& state,
                                 kafka::Producer& alerts, const Clock& clock, const Clock& wall,
                                 WatchdogMetrics& metrics)
    : config_(config),
      state_(state),
      alerts_(alerts),
      clock_(clock),
      wall_(wall),
      metrics_(metrics) {}

TickStatus WatchdogHandler::Snapshot() const {
  std::lock_guard lock(mu_);
  return status_;
}

StatusOr<Change> WatchdogHandler::Prepare(std::span<const kafka::Record> records) {
  return state_.ApplyBatch(records, wall_.Now(), clock_.Now());
}

void WatchdogHandler::Committed(const Change& change) { metrics_.Observe(change); }

Status WatchdogHandler::Turn(consumer::Shell& shell) {
  if (Status s = Drain(); !s.ok()) return s;
  if (steady_clock::now() - last_tick_ >= config_.tick) {
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
    auto open = state_.OpenClocks();
    if (open.ok()) metrics_.OpenClocks(open.value(), clock_.Now());
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
  if (!shell.RefreshWatermarks()) return Status::Ok();
  auto change = state_.Tick(now);
  if (!change.ok()) return change.status();
  if (Status s = state_.Commit(change.value()); !s.ok()) return s;
  metrics_.Observe(change.value());
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
    std::vector<std::string> keys;
    for (const auto& [key, value] : rows.value()) {
      av::AlertEvent e;
      if (!e.ParseFromString(value)) return Internal("outbox row is not an AlertEvent");
      out.push_back({config_.alerts_topic,
                     e.child_id(),
                     value,
                     {{"sightline-alert-event-id", e.event_id()}}});
      keys.push_back(key);
    }
    for (const kafka::Delivery& d : alerts_.SendAndWait(out)) {
      if (!d.status.ok()) {
        RefreshOutboxDepth();
        return Unavailable("alerts topic " + config_.alerts_topic + ": " + d.status.message());
      }
    }
    if (Status s = state_.DeleteOutbox(keys); !s.ok()) return s;
  }
}

}  // namespace sightline::watchdog_service
