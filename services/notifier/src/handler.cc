#include "handler.h"

#include <iostream>

namespace sightline::notifier_service {

namespace {

// The partitions of the consumed topic, as the shell knows them.
std::vector<std::int32_t> PartitionsOf(const consumer::ShellStatus& status) {
  std::vector<std::int32_t> out;
  for (const auto& [p, _] : status.partitions) out.push_back(p);
  return out;
}

}  // namespace

NotifierHandler::NotifierHandler(const NotifierConfig& config, NotifierState& state,
                                 Deliverer& deliverer, HeartbeatWatch& heartbeat,
                                 const Clock& clock, NotifierMetrics& metrics, kafka::Lease* lease)
    : config_(config),
      state_(state),
      deliverer_(deliverer),
      heartbeat_(heartbeat),
      clock_(clock),
      metrics_(metrics),
      lease_(lease) {}

std::string NotifierHandler::LeaseState() const {
  if (lease_ == nullptr) return "none";
  return held_ ? "held" : "standby";
}

StatusOr<std::map<std::int32_t, std::int64_t>> NotifierHandler::Follow(
    const consumer::Shell& shell) {
  auto delivered = lease_->Committed(config_.alerts_topic, PartitionsOf(shell.Snapshot()),
                                     std::chrono::seconds(5));
  if (!delivered.ok()) return delivered.status();
  if (Status s = state_.DropDelivered(delivered.value()).status(); !s.ok()) return s;
  return delivered;
}

Status NotifierHandler::Publish(const consumer::Shell& shell) {
  auto undelivered = state_.Undelivered();
  if (!undelivered.ok()) return undelivered.status();
  std::map<std::int32_t, std::int64_t> watermark;
  for (const auto& [p, status] : shell.Snapshot().partitions) {
    auto it = undelivered.value().find(p);
    watermark[p] = it == undelivered.value().end() ? status.applied_next
                                                   : std::min(it->second, status.applied_next);
    // Never behind what the last holder had delivered.
    if (auto in = inherited_.find(p); in != inherited_.end())
      watermark[p] = std::max(watermark[p], in->second);
  }
  if (watermark == published_) return Status::Ok();
  if (Status s = lease_->Commit(config_.alerts_topic, watermark); !s.ok()) return s;
  published_ = std::move(watermark);
  return Status::Ok();
}

StatusOr<bool> NotifierHandler::Active(consumer::Shell& shell) {
  if (lease_ == nullptr) return true;
  const std::uint64_t generation = lease_->Generation();
  const bool held = lease_->Held();
  held_ = held && adopted_ == generation;
  const auto now = std::chrono::steady_clock::now();
  const bool due = now - last_lease_work_ >= std::chrono::milliseconds(held ? 200 : 1000);
  if (!held) {
    if (due) {
      last_lease_work_ = now;
      if (auto s = Follow(shell); !s.ok()) {
        std::cerr << "sightline-notifier: standby: " << s.status().message() << "\n";  // Next time.
      }
    }
    return false;
  }
  if (adopted_ != generation) {
    // Newly held: drop what the last holder delivered, then deliver the rest.
    auto delivered = Follow(shell);
    if (!delivered.ok()) return delivered.status();
    inherited_ = std::move(delivered).value();
    adopted_ = generation;
    held_ = true;
    ++takeovers_;
    std::cerr << "sightline-notifier: holding the lease (generation " << generation
              << "); delivering from the last holder's watermark" << std::endl;
  }
  if (!inherited_.empty()) {
    // Caught up with the last holder's watermark yet? Until then, what this instance queues
    // below it was delivered already.
    if (Status s = state_.DropDelivered(inherited_).status(); !s.ok()) return s;
    bool behind = false;
    for (const auto& [p, status] : shell.Snapshot().partitions) {
      auto in = inherited_.find(p);
      behind = behind || (in != inherited_.end() && status.applied_next < in->second);
    }
    if (!behind) inherited_.clear();
  }
  if (due) {
    last_lease_work_ = now;
    if (Status s = Publish(shell); !s.ok()) return s;
  }
  return true;
}

StatusOr<Change> NotifierHandler::Prepare(std::span<const kafka::Record> records) {
  return state_.ApplyBatch(records, clock_.Now());
}

void NotifierHandler::Committed(const Change& change) {
  state_.Committed(change);
  metrics_.Consumed(change);
}

bool NotifierHandler::WantsRecords() {
  bool full = false;
  for (const ReceiverConfig& r : config_.receivers)
    full = full || state_.QueuedRows(r.name) >= config_.queue_max;
  paused_ = full;
  return !full;
}

Status NotifierHandler::Turn(consumer::Shell& shell) {
  auto active = Active(shell);
  if (!active.ok()) return active.status();
  if (!active.value()) return Status::Ok();  // Standing by: batches are applied, nothing sent.
  for (const ReceiverConfig& r : config_.receivers) {
    if (Status s = deliverer_.Deliver(r); !s.ok()) return s;
  }
  if (std::chrono::steady_clock::now() - last_check_ >= std::chrono::milliseconds(250)) {
    if (Status s = heartbeat_.Check(); !s.ok()) return s;
    if (Status s = deliverer_.CheckBacklogs(); !s.ok()) return s;
    last_check_ = std::chrono::steady_clock::now();
  }
  return Status::Ok();
}

}  // namespace sightline::notifier_service
