#include "handler.h"

#include <optional>

#include "sightline/projections/v1/projections.pb.h"
#include "store_layout.h"

namespace sightline::projector {

using std::chrono::steady_clock;

ProjectorHandler::ProjectorHandler(Applier& applier, const storage::Store& store,
                                   ProjectorMetrics& metrics, ChangeFeed* feed, const Clock& clock,
                                   bool queue_gauges)
    : applier_(applier),
      store_(store),
      metrics_(metrics),
      feed_(feed),
      clock_(clock),
      queue_gauges_(queue_gauges) {}

StatusOr<BatchPlan> ProjectorHandler::Prepare(std::span<const kafka::Record> records) {
  prepared_at_ = steady_clock::now();
  return applier_.Prepare(records, clock_.Now());
}

void ProjectorHandler::Committed(const BatchPlan& plan) {
  double seconds = std::chrono::duration<double>(steady_clock::now() - prepared_at_).count();
  double events = 0;
  for (const auto& [key, n] : plan.counts) {
    const auto& [outcome, type, reason] = key;
    metrics_.Events(outcome, type, reason, n);
    events += n;
  }
  metrics_.BatchApplied(seconds, events);
  if (feed_) feed_->Publish(plan.changed_children);
}

Status ProjectorHandler::Turn(consumer::Shell&) {
  if (queue_gauges_ && steady_clock::now() - last_gauges_ >= std::chrono::seconds(1)) {
    RefreshQueueFigures();
    last_gauges_ = steady_clock::now();
  }
  return Status::Ok();
}

void ProjectorHandler::RefreshQueueFigures() {
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

}  // namespace sightline::projector
