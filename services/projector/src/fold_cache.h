// The folds of the live projector's hot children (ADR 0023): a child's fold, kept after its
// batch commits, takes the next batch's events without the child's history being read, parsed
// and folded again. Bounded by a number of children; the least recently folded goes first.
//
// A batch takes a child's fold out (Take) and the fold goes back (Put) only once the batch has
// committed: a batch that fails leaves the child out, and its next batch folds it from the store.
// Used by the applier's one thread only.
#pragma once

#include <cstddef>
#include <list>
#include <memory>
#include <string>
#include <unordered_map>

#include "sightline/domain/projection/projection.h"

namespace sightline::projector {

class FoldCache {
 public:
  explicit FoldCache(std::size_t capacity) : capacity_(capacity) {}

  std::size_t size() const { return index_.size(); }

  // The child's fold, removed from the cache; null when it holds none.
  std::shared_ptr<domain::ChildFold> Take(const std::string& child);
  // Keeps the child's fold as the most recent, dropping the least recent beyond the capacity.
  void Put(const std::string& child, std::shared_ptr<domain::ChildFold> fold);

 private:
  using Entry = std::pair<std::string, std::shared_ptr<domain::ChildFold>>;
  std::size_t capacity_;
  std::list<Entry> order_;  // Most recent first.
  std::unordered_map<std::string, std::list<Entry>::iterator> index_;
};

}  // namespace sightline::projector
