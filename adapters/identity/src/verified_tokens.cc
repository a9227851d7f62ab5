#include "verified_tokens.h"

namespace sightline::identity {

void VerifiedTokens::UseKeys(const std::shared_ptr<const KeySet>& keys) {
  if (keys == keys_) return;
  entries_.clear();
  keys_ = keys;
}

std::optional<VerifiedTokens::Entry> VerifiedTokens::Find(
    const std::string& digest, const std::shared_ptr<const KeySet>& keys) {
  std::lock_guard lock(mu_);
  UseKeys(keys);
  auto found = entries_.find(digest);
  if (found == entries_.end()) return std::nullopt;
  return found->second;
}

void VerifiedTokens::Keep(const std::string& digest, const std::shared_ptr<const KeySet>& keys,
                          Entry entry) {
  if (capacity_ == 0) return;
  std::lock_guard lock(mu_);
  UseKeys(keys);
  if (entries_.size() >= capacity_) entries_.clear();
  entries_.insert_or_assign(digest, std::move(entry));
}

}  // namespace sightline::identity
