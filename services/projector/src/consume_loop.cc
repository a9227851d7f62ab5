#include "consume_loop.h"

#include <iostream>
#include <thread>

#include "sightline/kafka/dead_letter.h"
#include "sightline/projections/v1/projections.pb.h"
#include "store_layout.h"

namespace sightline::projector {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

}  // namespace

ConsumeLoop::ConsumeLoop(kafka::Consumer& consumer, kafka::Producer& dlq, Applier& applier,
                         storage::Store& store, ProjectorMetrics& metrics, ChangeFeed* feed,
                         const Clock& clock, LoopOptions options)
    : consumer_(consumer),
      dlq_(dlq),
      applier_(applier),
      store_(store),
      metrics_(metrics),
      feed_(feed),
      clock_(clock),
      options_(std::move(options)) {}

Progress ConsumeLoop::Snapshot() const {
  std::lock_guard lock(mu_);
  return progress_;
}

void ConsumeLoop::Backoff(const std::atomic<bool>& stop, const Status& why) {
  std::cerr << "sightline-projector: " << why.ToString() << "; retrying in " << backoff_.count()
            << " ms\n";
  {
    std::lock_guard lock(mu_);
    progress_.last_error = why.ToString();
  }
  auto until = steady_clock::now() + backoff_;
  while (!stop && steady_clock::now() < until) std::this_thread::sleep_for(milliseconds(20));
  backoff_ = std::min(backoff_ * 2, milliseconds(5000));
}

Status ConsumeLoop::Rewind() {
  auto stored = StoredOffsets(store_, options_.topic);
  if (!stored.ok()) return stored.status();
  std::map<std::int32_t, std::int64_t> start;
  std::lock_guard lock(mu_);
  for (auto& [p, progress] : progress_.partitions) {
    auto it = stored.value().find(p);
    start[p] = it == stored.value().end() ? kafka::kOffsetBeginning : it->second;
    progress.applied_next = it == stored.value().end() ? 0 : it->second;
  }
  return consumer_.Assign(start);
}

Status ConsumeLoop::Start(const std::atomic<bool>& stop) {
  while (!stop) {
    auto n = consumer_.Partitions(milliseconds(5000));
    if (n.ok()) {
      {
        std::lock_guard lock(mu_);
        for (std::int32_t p = 0; p < n.value(); ++p) progress_.partitions[p];
      }
      if (Status s = Rewind(); !s.ok()) return s;
      auto hw = consumer_.HighWatermarks(milliseconds(5000));
      if (!hw.ok()) {
        Backoff(stop, hw.status());
        continue;
      }
      std::lock_guard lock(mu_);
      target_ = hw.value();
      return Status::Ok();
    }
    Backoff(stop, n.status());
  }
  return Status::Ok();
}

void ConsumeLoop::RefreshWatermarks() {
  auto hw = consumer_.HighWatermarks(milliseconds(3000));
  std::lock_guard lock(mu_);
  if (!hw.ok()) {
    progress_.caught_up = false;
    progress_.last_error = hw.status().ToString();
    metrics_.CaughtUp(false);
    return;
  }
  // Not ready before the offsets seen at start-up are applied, then ready while within the lag.
  bool caught_up = !progress_.partitions.empty();
  for (const auto& [p, target] : target_) {
    auto it = progress_.partitions.find(p);
    caught_up = caught_up && it != progress_.partitions.end() && it->second.applied_next >= target;
  }
  for (auto& [p, pp] : progress_.partitions) {
    auto it = hw.value().find(p);
    if (it == hw.value().end()) continue;
    pp.high_watermark = it->second;
    metrics_.Lag(p, pp.applied_next, pp.high_watermark);
    caught_up = caught_up && pp.high_watermark - pp.applied_next <= options_.ready_max_lag;
  }
  progress_.caught_up = caught_up;
  progress_.ever_caught_up = progress_.ever_caught_up || caught_up;
  metrics_.CaughtUp(caught_up);
}

void ConsumeLoop::RefreshQueueFigures() {
  std::size_t n = 0;
  std::optional<Instant> oldest;
  Status s = store_.Scan(cf::kQueue, "", [&](std::string_view, std::string_view value) {
    ++n;
    projections::v1::ChildSummary summary;
    if (summary.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
      Instant since = ToInstant(summary.waiting_since());
      if (!oldest || since < *oldest) oldest = since;
    }
    return true;
  });
  if (!s.ok()) return;  // A failed scan only delays a gauge; the next refresh tries again.
  metrics_.QueueLength(static_cast<double>(n));
  metrics_.OldestWaitingSeconds(
      oldest ? std::chrono::duration<double>(clock_.Now() - *oldest).count() : 0.0);
}

bool ConsumeLoop::TargetReached() const {
  std::lock_guard lock(mu_);
  for (const auto& [p, target] : target_) {
    auto it = progress_.partitions.find(p);
    if (target < 0 || it == progress_.partitions.end() || it->second.applied_next < target)
      return false;
  }
  return true;
}

Status ConsumeLoop::ApplyBatch(const std::vector<kafka::Record>& records) {
  auto t0 = steady_clock::now();
  auto plan = applier_.Prepare(records, clock_.Now());
  if (!plan.ok()) return plan.status();
  if (!plan.value().dead.empty()) {
    std::vector<kafka::OutboundMessage> out;
    for (const DeadLetter& d : plan.value().dead)
      out.push_back(kafka::DeadLetterMessage(options_.dlq_topic, options_.topic, *d.record,
                                             d.reason, d.detail, "sightline-projector"));
    for (const kafka::Delivery& delivery : dlq_.SendAndWait(out)) {
      if (!delivery.status.ok())
        return Unavailable("dead-letter topic: " + delivery.status.message());
    }
  }
  if (Status s = applier_.Commit(plan.value()); !s.ok()) return s;
  double seconds = std::chrono::duration<double>(steady_clock::now() - t0).count();
  metrics_.BatchApplied(seconds, static_cast<double>(records.size()));
  std::uint64_t applied = 0, dead = 0;
  for (const auto& [key, n] : plan.value().counts) {
    const auto& [outcome, type, reason] = key;
    metrics_.Events(outcome, type, reason, n);
    if (outcome == "applied") applied += static_cast<std::uint64_t>(n);
    if (outcome == "dead_lettered") dead += static_cast<std::uint64_t>(n);
  }
  {
    std::lock_guard lock(mu_);
    for (const auto& [p, next] : plan.value().next_offsets) {
      auto& pp = progress_.partitions[p];
      pp.applied_next = next;
      if (pp.high_watermark >= 0) metrics_.Lag(p, next, std::max(pp.high_watermark, next));
    }
    progress_.events_applied += applied;
    progress_.events_dead_lettered += dead;
    progress_.last_error.clear();
  }
  if (feed_) feed_->Publish(plan.value().changed_children);
  consumer_.CommitAdvisory(plan.value().next_offsets);
  backoff_ = milliseconds(100);
  return Status::Ok();
}

Status ConsumeLoop::Run(const std::atomic<bool>& stop) {
  if (Status s = Start(stop); !s.ok()) return s;
  auto last_refresh = steady_clock::now() - std::chrono::seconds(10);
  while (!stop) {
    if (steady_clock::now() - last_refresh >= std::chrono::seconds(1)) {
      RefreshWatermarks();
      if (!options_.stop_when_caught_up) RefreshQueueFigures();
      last_refresh = steady_clock::now();
    }
    if (options_.stop_when_caught_up && TargetReached()) return Status::Ok();
    auto records = consumer_.Poll(options_.batch_max_events, options_.batch_wait);
    if (!records.ok()) {
      if (records.status().code() == StatusCode::kInternal) return records.status();
      Backoff(stop, records.status());
      continue;
    }
    if (records.value().empty()) continue;
    Status s = ApplyBatch(records.value());
    if (s.ok()) continue;
    if (s.code() == StatusCode::kInternal) return s;
    metrics_.ApplyErrors();
    Backoff(stop, s);
    if (Status r = Rewind(); !r.ok()) {
      if (r.code() == StatusCode::kInternal) return r;
      Backoff(stop, r);
    }
  }
  return Status::Ok();
}

}  // namespace sightline::projector
