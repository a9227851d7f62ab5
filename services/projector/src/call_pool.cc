#include "call_pool.h"

#include <algorithm>
#include <utility>

namespace sightline::projector {

CallPool::CallPool(int threads, std::size_t max_pending)
    : max_pending_(std::max<std::size_t>(1, max_pending)) {
  for (int i = 0; i < std::max(1, threads); ++i) threads_.emplace_back([this] { Run(); });
}

CallPool::~CallPool() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  ready_.notify_all();
  for (std::thread& t : threads_) t.join();
}

bool CallPool::Submit(std::function<void()> call) {
  {
    std::lock_guard lock(mu_);
    if (stopping_ || queue_.size() + running_ >= max_pending_) return false;
    queue_.push_back(std::move(call));
  }
  ready_.notify_one();
  return true;
}

void CallPool::Run() {
  std::unique_lock lock(mu_);
  for (;;) {
    ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // Stopping, and nothing left to run.
    std::function<void()> call = std::move(queue_.front());
    queue_.pop_front();
    ++running_;
    lock.unlock();
    call();
    lock.lock();
    --running_;
  }
}

}  // namespace sightline::projector
