// Rebuilding the projection while the service serves (ADR 0016).
//
// Start() builds a new store beside the live one, on a thread and a Kafka consumer of its own:
//   replaying   every event of the topic, events only, no write-ahead log (ADR 0015);
//   folding     every child once; then flushed and reopened with its write-ahead log;
//   catching_up the live path (fold per batch) until it trails the topic by little;
//   ready       waiting for the live consumer's thread to take it.
// The live projector's handler calls TakeIfReady() between batches. On its thread (so the live
// store stops changing) the new store catches up with the topic's high watermarks, which are at
// or beyond the live store's offsets; <data_dir>/current is pointed at it; and it is handed over.
// The handler swaps it into the StoreSlot and rebases the consumer shell on it. Requests that
// started on the old store finish on it; the old store is closed and deleted once the last of
// them lets go (Retire). Until the switch nothing the API reads changes, and a failed or
// interrupted rebuild leaves the live store as it was and deletes its own.
//
// Thread-safe: Start/Progress from HTTP handlers, TakeIfReady/Retire from the live shell's thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "applier.h"
#include "config.h"
#include "sightline/clock/clock.h"
#include "sightline/consumer/connect.h"
#include "sightline/consumer/shell.h"
#include "sightline/domain/calendar/calendar.h"
#include "sightline/storage/store.h"

namespace sightline::projector {

struct RebuildProgress {
  // idle, replaying, folding, catching_up, ready, switching, switched, failed, stopped.
  std::string phase = "idle";
  std::string requested_by;
  std::optional<Instant> started_at;
  std::optional<Instant> finished_at;
  std::uint64_t events_applied = 0;  // By the current phase's consumer.
  std::uint64_t children_folded = 0;
  std::int64_t behind = 0;  // Records of the topic not yet in the new store.
  std::string store;        // The new store's directory name.
  std::string error;
  std::uint64_t switches = 0;  // Stores swapped in since the service started.
};

class OnlineRebuild {
 public:
  OnlineRebuild(const ProjectorConfig& config, const domain::Calendar& calendar,
                const Clock& clock);
  ~OnlineRebuild();
  OnlineRebuild(const OnlineRebuild&) = delete;
  OnlineRebuild& operator=(const OnlineRebuild&) = delete;

  // Starts a rebuild in the background. kInvalidArgument while one is under way, kUnavailable
  // when the service is stopping or the directory cannot be made.
  Status Start(const std::string& requested_by);
  RebuildProgress Progress() const;

  // The new store, level with the topic, and the live-path applier on it.
  struct Handover {
    std::shared_ptr<storage::Store> store;
    std::unique_ptr<Applier> applier;
    std::string old_path;  // The directory of the store it replaces, for Retire.
  };
  // From the live handler's Turn. Nullopt unless a rebuilt store is ready; then the store is
  // brought level with the topic (the live consumer waits meanwhile), made current on disk and
  // returned. A failure here fails the rebuild, not the live projector (it is logged and shown in
  // Progress, and nullopt returned).
  std::optional<Handover> TakeIfReady();
  // The store the handover replaced: it is closed once nothing else holds it, and its directory
  // (`path`) deleted.
  void Retire(std::shared_ptr<storage::Store> old, std::string path);

  // Stops a rebuild under way (service shutdown); its partial store is deleted.
  void Stop();

 private:
  void Build();
  // Runs `shell` with `handler` until it reaches the watermarks it saw at start.
  template <class H>
  Status CatchUp(consumer::Shell& shell, H& handler);
  void SetPhase(const std::string& phase);
  void Fail(const std::string& why);
  void UpdateCounts(const consumer::Shell& shell);

  const ProjectorConfig& config_;
  const domain::Calendar& calendar_;
  const Clock& clock_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  RebuildProgress progress_;
  std::atomic<bool> stop_{false};
  std::thread worker_;
  std::string path_;            // The new store's directory.
  bool running_ = false;        // The worker has not finished (it may still be retiring a store).
  std::uint64_t replayed_ = 0;  // Events the replay applied, before the catch-up's.

  // Owned by the worker until the phase is "ready", then by the live thread in TakeIfReady.
  std::shared_ptr<storage::Store> store_;
  std::optional<consumer::KafkaHandles> kafka_;
  std::unique_ptr<Applier> applier_;
  struct Live;
  std::unique_ptr<Live> live_;        // The fold-per-batch handler and shell on the new store.
  consumer::Shell* shell_ = nullptr;  // The phase's shell, for Progress (under mu_).

  std::shared_ptr<storage::Store> retired_;
  std::string retired_path_;
};

}  // namespace sightline::projector
