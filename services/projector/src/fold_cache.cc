#include "fold_cache.h"

namespace sightline::projector {

std::shared_ptr<domain::ChildFold> FoldCache::Take(const std::string& child) {
  auto it = index_.find(child);
  if (it == index_.end()) return nullptr;
  std::shared_ptr<domain::ChildFold> fold = std::move(it->second->second);
  order_.erase(it->second);
  index_.erase(it);
  return fold;
}

void FoldCache::Put(const std::string& child, std::shared_ptr<domain::ChildFold> fold) {
  if (capacity_ == 0) return;
  if (auto it = index_.find(child); it != index_.end()) {
    order_.erase(it->second);
    index_.erase(it);
  }
  order_.emplace_front(child, std::move(fold));
  index_.emplace(child, order_.begin());
  while (index_.size() > capacity_) {
    index_.erase(order_.back().first);
    order_.pop_back();
  }
}

}  // namespace sightline::projector
