// What the projector brings to the consumer shell (ADR 0007): a batch of case events becomes the
// Applier's WriteBatch; once it is durable the handler counts it, times it and tells the stream
// clients which children changed. Between batches, once a second, it refreshes the queue gauges
// (length, longest wait). Everything else about consuming (offsets, dead letters, rewinds,
// readiness) is the shell's.
//
// One thread (the shell's Run).
#pragma once

#include <chrono>

#include "applier.h"
#include "change_feed.h"
#include "metrics.h"
#include "online_rebuild.h"
#include "sightline/clock/clock.h"
#include "sightline/consumer/shell.h"
#include "store_slot.h"

namespace sightline::projector {

class ProjectorHandler final : public consumer::Handler<BatchPlan> {
 public:
  // `feed` may be null (a rebuild has no stream clients); so may the queue gauges be skipped.
  ProjectorHandler(Applier& applier, const storage::Store& store, ProjectorMetrics& metrics,
                   ChangeFeed* feed, const Clock& clock, bool queue_gauges);

  // Rebuilding while serving (ADR 0016): between batches, a store `rebuild` has ready replaces
  // the one in `slot` (the one this handler applies to), and the shell is rebased on it.
  void SwitchStoresFrom(OnlineRebuild& rebuild, StoreSlot& slot);

  StatusOr<BatchPlan> Prepare(std::span<const kafka::Record> records) override;
  void Committed(const BatchPlan& plan) override;
  Status Turn(consumer::Shell& shell) override;

 private:
  void RefreshQueueFigures();

  Status SwitchIfReady(consumer::Shell& shell);

  Applier* applier_;
  const storage::Store* store_;
  std::unique_ptr<Applier> owned_applier_;  // After a switch: the applier on the new store.
  OnlineRebuild* rebuild_ = nullptr;
  StoreSlot* slot_ = nullptr;
  ProjectorMetrics& metrics_;
  ChangeFeed* feed_;
  const Clock& clock_;
  bool queue_gauges_;
  std::chrono::steady_clock::time_point prepared_at_{};
  std::chrono::steady_clock::time_point last_gauges_{};
};

}  // namespace sightline::projector
