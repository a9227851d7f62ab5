#include "handler.h"

#include <optional>

#include "sightline/projections/v1/projections.pb.h"
#include "store_layout.h"

namespace sightline::projector {

using std::chrono::steady_clock;

ProjectorHandler::ProjectorHandler(Applier& applier, const storage::Store& store,
                                   ProjectorMetrics& metrics, ChangeFeed* feed, const Clock& clock,
                                   bool queue_gauges)
    : applier_(&applier),
      store_(&store),
      metrics_(metrics),
      feed_(feed),
      clock_(clock),
      queue_gauges_(queue_gauges) {}

StatusOr<BatchPlan> ProjectorHandler::Prepare(std::span<const kafka::Record> records) {
  prepared_at_ = steady_clock::now();
  return applier_->Prepare(records, clock_.Now());
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
  metrics_.Folded(plan.folds_appended, plan.folds_whole);
  applier_->Committed(plan);
  if (slot_ != nullptr) slot_->Queue()->Apply(plan.queue_changes);  // Before screens hear of it.
  if (feed_) feed_->Publish(plan.changed_children);
}

void ProjectorHandler::SwitchStoresFrom(OnlineRebuild& rebuild, StoreSlot& slot) {
  rebuild_ = &rebuild;
  slot_ = &slot;
}

Status ProjectorHandler::SwitchIfReady(consumer::Shell& shell) {
  if (rebuild_ == nullptr) return Status::Ok();
  std::optional<OnlineRebuild::Handover> next = rebuild_->TakeIfReady();
  if (!next) return Status::Ok();
  // From here on every request reads the new store; those under way finish on the old one,
  // which is closed and deleted once they have.
  std::shared_ptr<storage::Store> old = slot_->Swap(next->store);
  store_ = next->store.get();
  owned_applier_ = std::move(next->applier);
  applier_ = owned_applier_.get();
  if (feed_) feed_->Reset();  // Every screen reloads what it shows.
  last_gauges_ = {};
  // A failure is the turn's: the shell backs off and rewinds, to the new store's offsets.
  Status rebased = shell.Rebase(*next->store);
  // Only now does nothing on this thread point at the old store any more.
  rebuild_->Retire(std::move(old), next->old_path);
  return rebased;
}

Status ProjectorHandler::Turn(consumer::Shell& shell) {
  if (Status s = SwitchIfReady(shell); !s.ok()) return s;
  if (queue_gauges_ && steady_clock::now() - last_gauges_ >= std::chrono::seconds(1)) {
    RefreshQueueFigures();
    last_gauges_ = steady_clock::now();
  }
  return Status::Ok();
}

void ProjectorHandler::RefreshQueueFigures() {
  // The length is kept by every batch (meta/queue_length). Within each RAG rank the queue is in
  // waiting order, so the longest wait is the first row of one of the five ranks: five reads,
  // however long the queue.
  auto n = ReadQueueLength(*store_);
  if (!n.ok()) return;  // A failed read only delays a gauge; the next refresh tries again.
  std::optional<Instant> oldest;
  for (int rank = 0; rank <= 4; ++rank) {
    Status s = store_->Scan(
        cf::kQueue, std::to_string(rank) + "/", [&](std::string_view, std::string_view value) {
          projections::v1::ChildSummary summary;
          if (summary.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
            Instant since = ToInstant(summary.waiting_since());
            if (!oldest || since < *oldest) oldest = since;
          }
          return false;
        });
    if (!s.ok()) return;
  }
  metrics_.QueueLength(static_cast<double>(n.value()));
  metrics_.OldestWaitingSeconds(
      oldest ? std::chrono::duration<double>(clock_.Now() - *oldest).count() : 0.0);
}

}  // namespace sightline::projector
