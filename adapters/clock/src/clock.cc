#include "sightline/clock/clock.h"

#include <fstream>

namespace sightline {

Instant SystemClock::Now() const { return std::chrono::system_clock::now(); }

Instant FileClock::Now() const {
  std::ifstream in(path_);
  long long seconds = 0;
  std::lock_guard lock(mu_);
  if (in >> seconds && seconds > 0) last_ = Instant(std::chrono::seconds(seconds));
  return last_;
}

}  // namespace sightline
