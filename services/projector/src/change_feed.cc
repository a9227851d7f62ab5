#include "change_feed.h"

namespace sightline::projector {

void ChangeFeed::Publish(std::vector<std::string> child_ids) {
  if (child_ids.empty()) return;
  {
    std::lock_guard lock(mu_);
    window_.emplace_back(++seq_, std::move(child_ids));
    while (window_.size() > keep_) window_.pop_front();
  }
  cv_.notify_all();
}

std::vector<std::string> ChangeFeed::WaitAfter(std::uint64_t after, std::chrono::milliseconds wait,
                                               std::uint64_t& seq, bool& lost) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, wait, [&] { return closed_ || seq_ > after; });
  std::vector<std::string> out;
  lost = !window_.empty() && window_.front().first > after + 1;
  for (const auto& [s, ids] : window_)
    if (s > after) out.insert(out.end(), ids.begin(), ids.end());
  seq = seq_;
  return out;
}

void ChangeFeed::Reset() {
  {
    std::lock_guard lock(mu_);
    seq_ += 2;  // A gap before the window's first entry reads as `lost` to every waiter.
    window_.clear();
    window_.emplace_back(seq_, std::vector<std::string>{});
  }
  cv_.notify_all();
}

std::uint64_t ChangeFeed::Latest() const {
  std::lock_guard lock(mu_);
  return seq_;
}

void ChangeFeed::Close() {
  {
    std::lock_guard lock(mu_);
    closed_ = true;
  }
  cv_.notify_all();
}

bool ChangeFeed::closed() const {
  std::lock_guard lock(mu_);
  return closed_;
}

}  // namespace sightline::projector
