// A few threads of their own for calls that wait on another service: the gateway's answer to an
// acknowledgement made on the screen. A slow or stalled gateway then holds none of the request
// threads, of which there are only a few (ADR 0024), and reads go on being answered.
//
// At most `max_pending` calls wait or run at once; Submit refuses the next at once, so that the
// caller can answer 503 rather than queue without bound. The destructor runs what is queued (each
// call is bounded by its own timeout) and joins the threads.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace sightline::projector {

class CallPool {
 public:
  CallPool(int threads, std::size_t max_pending);
  ~CallPool();
  CallPool(const CallPool&) = delete;
  CallPool& operator=(const CallPool&) = delete;

  // Queues `call` for a pool thread; false (and `call` not run) when max_pending are already
  // queued or running. `call` must not throw (it answers its own caller, errors included).
  bool Submit(std::function<void()> call);

 private:
  void Run();

  const std::size_t max_pending_;
  std::mutex mu_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> queue_;
  std::size_t running_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> threads_;  // Last: started once the rest exists.
};

}  // namespace sightline::projector
