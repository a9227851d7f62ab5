// In-process fan-out of "these children changed" from the projector's handler (after each
// commit) to /v1/stream clients.
// Each published change gets a sequence number; a reader waits for anything newer than what it
// has seen. Only ids travel here: each stream filters them by its user's access.
// Thread-safe. Close() wakes every waiter for shutdown.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

namespace sightline::projector {

class ChangeFeed {
 public:
  explicit ChangeFeed(std::size_t keep = 256) : keep_(keep) {}

  void Publish(std::vector<std::string> child_ids);
  // Children changed after `after` (their sequence numbers), waiting up to `wait`. Sets `seq`
  // to the newest sequence returned. `lost` is true when changes were dropped from the window
  // (the client should reload everything).
  std::vector<std::string> WaitAfter(std::uint64_t after, std::chrono::milliseconds wait,
                                     std::uint64_t& seq, bool& lost);
  // Everything may have changed (a rebuilt store was swapped in): every reader is told `lost`.
  void Reset();
  std::uint64_t Latest() const;
  void Close();
  bool closed() const;

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::pair<std::uint64_t, std::vector<std::string>>> window_;
  std::uint64_t seq_ = 0;
  std::size_t keep_;
  bool closed_ = false;
};

}  // namespace sightline::projector
