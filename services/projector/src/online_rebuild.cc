#include "online_rebuild.h"

#include <filesystem>
#include <iostream>

#include "handler.h"
#include "metrics.h"
#include "store_layout.h"

namespace sightline::projector {

namespace fs = std::filesystem;

namespace {

constexpr int kMaxCatchUpRounds = 20;

}  // namespace

// The new store's live path: folding per batch, like the live projector, with metrics of its own
// (the service's registry shows the live consumer only).
struct OnlineRebuild::Live {
  Live(Applier& applier, storage::Store& store, kafka::Consumer& consumer, kafka::Producer& dlq,
       const ProjectorConfig& c, const Clock& clock)
      : handler(applier, store, metrics, nullptr, clock, false),
        shell(consumer, dlq, store, metrics.registry(), [&c] {
          consumer::Options o = ShellOptionsFor(c);
          o.service = "sightline-projector-rebuild";
          o.stop_when_caught_up = true;
          return o;
        }()) {}
  ProjectorMetrics metrics;
  ProjectorHandler handler;
  consumer::Shell shell;
};

OnlineRebuild::OnlineRebuild(const ProjectorConfig& config, const domain::Calendar& calendar,
                             const Clock& clock)
    : config_(config), calendar_(calendar), clock_(clock) {}

OnlineRebuild::~OnlineRebuild() { Stop(); }

void OnlineRebuild::Stop() {
  stop_ = true;
  cv_.notify_all();
  if (worker_.joinable()) worker_.join();
}

Status OnlineRebuild::Start(const std::string& requested_by) {
  std::lock_guard lock(mu_);
  if (stop_) return Unavailable("the projector is stopping");
  const std::string& p = progress_.phase;
  if (p == "replaying" || p == "folding" || p == "catching_up" || p == "ready" ||
      p == "switching" || running_)
    return InvalidArgument("a rebuild is already under way (" + p + ")");
  if (worker_.joinable()) worker_.join();  // The last one has finished.
  auto path = NewStorePath(config_, clock_.Now());
  if (!path.ok()) return path.status();
  path_ = path.value();
  std::uint64_t switches = progress_.switches;
  replayed_ = 0;
  progress_ = RebuildProgress{};
  progress_.phase = "replaying";
  progress_.requested_by = requested_by;
  progress_.started_at = clock_.Now();
  progress_.store = fs::path(path_).filename().string();
  progress_.switches = switches;
  running_ = true;
  worker_ = std::thread([this] { Build(); });
  return Status::Ok();
}

RebuildProgress OnlineRebuild::Progress() const {
  std::lock_guard lock(mu_);
  RebuildProgress p = progress_;
  if (shell_ != nullptr) {
    consumer::ShellStatus s = shell_->Snapshot();
    p.events_applied = replayed_ + s.records_committed - s.dead_lettered;
    p.behind = s.Behind();
  }
  return p;
}

void OnlineRebuild::SetPhase(const std::string& phase) {
  std::lock_guard lock(mu_);
  progress_.phase = phase;
  std::cerr << "sightline-projector: rebuild " << progress_.store << ": " << phase << std::endl;
}

void OnlineRebuild::Fail(const std::string& why) {
  {
    std::lock_guard lock(mu_);
    progress_.phase = stop_ ? "stopped" : "failed";
    progress_.error = why;
    progress_.finished_at = clock_.Now();
  }
  std::cerr << "sightline-projector: rebuild failed, the live store is kept: " << why << std::endl;
  cv_.notify_all();
}

template <class H>
Status OnlineRebuild::CatchUp(consumer::Shell& shell, H& handler) {
  Status s = shell.Run(handler, stop_);
  if (!s.ok()) return s;
  if (stop_) return Unavailable("stopped");
  return Status::Ok();
}

void OnlineRebuild::Build() {
  auto fail = [&](const std::string& why) {
    Fail(why);
    {
      std::lock_guard lock(mu_);
      shell_ = nullptr;
    }
    live_.reset();
    applier_.reset();
    kafka_.reset();
    store_.reset();
    std::error_code ec;
    fs::remove_all(path_, ec);
    std::lock_guard lock(mu_);
    running_ = false;
  };

  // Replay: events only, no write-ahead log (the store is not served until it is complete).
  auto opened = storage::Store::Open(ReplayStoreOptionsFor(config_, path_));
  if (!opened.ok()) return fail(opened.status().ToString());
  store_ = std::move(opened).value();
  auto k = ConnectKafka(config_, config_.group_id + "-rebuild", ReplayConsumerProperties());
  if (!k.ok()) return fail(k.status().ToString());
  kafka_ = std::move(k).value();
  {
    ProjectorMetrics metrics;
    Applier events_only(*store_, calendar_, config_.policy, Applier::Mode::kEventsOnly);
    ProjectorHandler handler(events_only, *store_, metrics, nullptr, clock_, false);
    consumer::Options options = ReplayShellOptionsFor(config_);
    options.service = "sightline-projector-rebuild";
    consumer::Shell shell(*kafka_->consumer, *kafka_->producer, *store_, metrics.registry(),
                          options);
    {
      std::lock_guard lock(mu_);
      shell_ = &shell;
    }
    Status s = CatchUp(shell, handler);
    {
      std::lock_guard lock(mu_);
      shell_ = nullptr;
      consumer::ShellStatus done = shell.Snapshot();
      replayed_ = done.records_committed - done.dead_lettered;
      progress_.events_applied = replayed_;
    }
    if (!s.ok()) return fail("replay: " + s.ToString());
  }

  SetPhase("folding");
  auto folded = Applier::FoldAll(*store_, calendar_, config_.policy);
  if (!folded.ok()) return fail("fold: " + folded.status().ToString());
  {
    std::lock_guard lock(mu_);
    progress_.children_folded = folded.value();
  }
  if (Status s = store_->Flush(); !s.ok()) return fail("flush: " + s.ToString());
  store_.reset();
  // From here the store is written like the live one (write-ahead log, the configured sync): it
  // becomes the live store.
  auto reopened = storage::Store::Open(StoreOptionsFor(config_, path_));
  if (!reopened.ok()) return fail("reopen: " + reopened.status().ToString());
  store_ = std::move(reopened).value();

  SetPhase("catching_up");
  applier_ = std::make_unique<Applier>(*store_, calendar_, config_.policy);
  applier_->KeepFolds(config_.fold_cache_children, config_.batch_max_events);
  live_ = std::make_unique<Live>(*applier_, *store_, *kafka_->consumer, *kafka_->producer, config_,
                                 clock_);
  {
    std::lock_guard lock(mu_);
    shell_ = &live_->shell;
  }
  // Until little is left: the last stretch is applied while the live consumer waits.
  const std::int64_t close_enough =
      std::max<std::int64_t>(1000, static_cast<std::int64_t>(config_.batch_max_events) * 2);
  for (int round = 0; round < kMaxCatchUpRounds; ++round) {
    if (Status s = CatchUp(live_->shell, live_->handler); !s.ok())
      return fail("catch-up: " + s.ToString());
    live_->shell.RefreshWatermarks();
    if (live_->shell.Snapshot().Behind() <= close_enough) break;
  }

  std::unique_lock lock(mu_);
  progress_.phase = "ready";
  std::cerr << "sightline-projector: rebuild " << progress_.store
            << ": ready; switching at the next batch" << std::endl;
  cv_.wait(lock, [&] { return stop_ || progress_.phase != "ready"; });
  // Wait out the switch itself (TakeIfReady runs on the live thread).
  cv_.wait(lock, [&] { return progress_.phase != "switching"; });
  if (progress_.phase == "ready") progress_.phase = "stopped";  // TakeIfReady will not take it.
  if (progress_.phase != "switched") {
    std::string why = progress_.error.empty() ? "stopped before the switch" : progress_.error;
    lock.unlock();
    return fail(why);
  }
  shell_ = nullptr;
  lock.unlock();
  live_.reset();
  kafka_.reset();
  store_.reset();  // The live thread holds it now.

  // Retire the replaced store once the requests reading it have finished.
  lock.lock();
  cv_.wait(lock, [&] { return stop_ || retired_ != nullptr; });
  while (retired_ != nullptr && retired_.use_count() > 1 && !stop_)
    cv_.wait_for(lock, std::chrono::milliseconds(50));
  std::shared_ptr<storage::Store> old = std::move(retired_);
  std::string old_path = retired_path_;
  running_ = false;
  lock.unlock();
  if (old != nullptr && old.use_count() == 1) {
    old.reset();
    std::error_code ec;
    fs::remove_all(old_path, ec);
    if (ec)
      std::cerr << "sightline-projector: could not delete the old store " << old_path << ": "
                << ec.message() << std::endl;
  }
}

std::optional<OnlineRebuild::Handover> OnlineRebuild::TakeIfReady() {
  {
    std::lock_guard lock(mu_);
    if (progress_.phase != "ready") return std::nullopt;
    progress_.phase = "switching";
  }
  auto failed = [&](const std::string& why) -> std::optional<Handover> {
    {
      std::lock_guard lock(mu_);
      progress_.phase = "failed";
      progress_.error = why;
    }
    cv_.notify_all();
    return std::nullopt;
  };
  // The live consumer waits while the new store reaches the topic's current high watermarks, at
  // or beyond the live store's own offsets: nothing the API shows after the switch is older.
  if (Status s = CatchUp(live_->shell, live_->handler); !s.ok())
    return failed("final catch-up: " + s.ToString());
  auto old_path = CurrentStorePath(config_);
  if (!old_path.ok()) return failed(old_path.status().ToString());
  if (Status s = SwapCurrent(config_, path_, false); !s.ok()) return failed(s.ToString());
  Handover h{.store = store_, .applier = std::move(applier_), .old_path = old_path.value()};
  consumer::ShellStatus caught_up = live_->shell.Snapshot();
  {
    std::lock_guard lock(mu_);
    progress_.phase = "switched";
    progress_.finished_at = clock_.Now();
    progress_.events_applied = replayed_ + caught_up.records_committed - caught_up.dead_lettered;
    progress_.behind = 0;
    ++progress_.switches;
  }
  std::cerr << "sightline-projector: rebuild switched; " << path_ << " is now current" << std::endl;
  cv_.notify_all();
  return h;
}

void OnlineRebuild::Retire(std::shared_ptr<storage::Store> old, std::string path) {
  {
    std::lock_guard lock(mu_);
    retired_ = std::move(old);
    retired_path_ = std::move(path);
  }
  cv_.notify_all();
}

}  // namespace sightline::projector
