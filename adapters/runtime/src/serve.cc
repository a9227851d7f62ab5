#include "sightline/runtime/serve.h"

#include <unistd.h>

#include <iostream>
#include <thread>

namespace sightline::runtime {

sigset_t BlockStopSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  return set;
}

int ServeUntilStopped(const sigset_t& signals, const std::string& name,
                      const std::function<Status(const std::atomic<bool>&)>& work,
                      const std::function<void()>& on_stop) {
  std::atomic<bool> stop{false};
  Status result;
  std::thread worker([&] {
    result = work(stop);
    if (!result.ok()) kill(getpid(), SIGTERM);  // Wake the wait below.
  });
  while (true) {
    timespec tick{1, 0};
    int sig = sigtimedwait(&signals, nullptr, &tick);
    if (sig == SIGINT || sig == SIGTERM) break;
  }
  stop = true;
  on_stop();
  worker.join();
  if (!result.ok()) {
    std::cerr << name << ": stopping on a fatal error: " << result.ToString() << "\n";
    return 2;
  }
  std::cerr << name << ": stopped" << std::endl;
  return 0;
}

}  // namespace sightline::runtime
