#include "heartbeat.h"

#include <iostream>

namespace sightline::notifier_service {
namespace {

namespace nv = notifier::v1;

constexpr char kMissingId[] = "sightline/heartbeat-missing";

double Seconds(Instant::duration d) { return std::chrono::duration<double>(d).count(); }

}  // namespace

HeartbeatWatch::HeartbeatWatch(const NotifierConfig& config, NotifierState& state,
                               const Clock& clock, NotifierMetrics& metrics)
    : config_(config), state_(state), clock_(clock), metrics_(metrics), started_at_(clock.Now()) {
  status_.watched = !config_.heartbeat_receivers.empty();
}

HeartbeatStatus HeartbeatWatch::Snapshot() const {
  std::lock_guard lock(mu_);
  return status_;
}

Status HeartbeatWatch::Check() {
  Instant now = clock_.Now();
  auto beat = state_.LastHeartbeat();
  if (!beat.ok()) return beat.status();
  std::optional<Instant> last_beat;
  if (beat.value()) last_beat = ToInstant(beat.value()->at());
  Instant last = last_beat.value_or(started_at_);
  metrics_.Heartbeat(std::max(0.0, Seconds(now - last)),
                     last_beat ? Seconds(last_beat->time_since_epoch()) : 0);
  if (config_.heartbeat_receivers.empty()) {
    std::lock_guard lock(mu_);
    status_.last_beat = last_beat;
    return Status::Ok();
  }
  std::chrono::seconds interval =
      beat.value() ? std::chrono::seconds(beat.value()->heartbeat_interval_seconds())
                   : config_.heartbeat_interval;
  Instant missing_since = last + config_.heartbeat_missing_after * interval;
  bool missing = now >= missing_since;
  {
    std::lock_guard lock(mu_);
    status_.last_beat = last_beat;
    status_.missing = missing;
  }
  auto flag = state_.FlagSet(kMissingId);
  if (!flag.ok()) return flag.status();
  if (missing == flag.value()) return Status::Ok();
  nv::LevelAlert a = domain::HeartbeatMissingAlert(last, missing_since, interval);
  if (!missing) {
    a.set_state(nv::ALERT_STATE_RESOLVED);
    *a.mutable_state_since() = ToTimestamp(std::max(now, missing_since));
  }
  std::vector<domain::Notice> notices;
  for (const std::string& r : config_.heartbeat_receivers)
    notices.push_back({r, missing ? nv::ACTION_TRIGGER : nv::ACTION_RESOLVE, a});
  if (Status s = state_.RaiseOwn(kMissingId, missing, notices, now); !s.ok()) return s;
  std::cerr << "sightline-notifier: pipeline heartbeat "
            << (missing ? "MISSING since " + FormatIso(missing_since) : "back") << "\n";
  return Status::Ok();
}

}  // namespace sightline::notifier_service
