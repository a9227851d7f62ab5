// The projector's current store, as the triage API reads it. A rebuild while serving (ADR 0016)
// swaps a new store in; a request holds the store it started with until it answers, so it never
// mixes two stores and never reads a closed one. The old store closes when its last reader lets
// go. Thread-safe.
#pragma once

#include <memory>
#include <mutex>
#include <utility>

#include "sightline/storage/store.h"

namespace sightline::projector {

class StoreSlot {
 public:
  explicit StoreSlot(std::shared_ptr<storage::Store> store) : store_(std::move(store)) {}

  std::shared_ptr<const storage::Store> Get() const {
    std::lock_guard lock(mu_);
    return store_;
  }
  // Puts `next` in the slot; returns the store it replaces.
  std::shared_ptr<storage::Store> Swap(std::shared_ptr<storage::Store> next) {
    std::lock_guard lock(mu_);
    std::swap(store_, next);
    return next;
  }

 private:
  mutable std::mutex mu_;
  std::shared_ptr<storage::Store> store_;
};

}  // namespace sightline::projector
