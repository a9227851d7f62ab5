// The projector's current store, as the triage API reads it. A rebuild while serving (ADR 0016)
// swaps a new store in; a request holds the store it started with until it answers, so it never
// mixes two stores and never reads a closed one. The old store closes when its last reader lets
// go. The slot also holds the store's queue view (queue_view.h), swapped with it. Thread-safe.
#pragma once

#include <memory>
#include <mutex>
#include <utility>

#include "queue_view.h"
#include "sightline/storage/store.h"

namespace sightline::projector {

class StoreSlot {
 public:
  explicit StoreSlot(std::shared_ptr<storage::Store> store)
      : store_(std::move(store)), queue_(std::make_shared<QueueView>(store_)) {}

  std::shared_ptr<const storage::Store> Get() const {
    std::lock_guard lock(mu_);
    return store_;
  }
  // The current store's queue view (it keeps that store open while held).
  std::shared_ptr<QueueView> Queue() const {
    std::lock_guard lock(mu_);
    return queue_;
  }
  // Puts `next` in the slot, with a view of its queue; returns the store it replaces.
  std::shared_ptr<storage::Store> Swap(std::shared_ptr<storage::Store> next) {
    auto view = std::make_shared<QueueView>(next);
    std::lock_guard lock(mu_);
    std::swap(store_, next);
    queue_ = std::move(view);
    return next;
  }

 private:
  mutable std::mutex mu_;
  std::shared_ptr<storage::Store> store_;
  std::shared_ptr<QueueView> queue_;
};

}  // namespace sightline::projector
