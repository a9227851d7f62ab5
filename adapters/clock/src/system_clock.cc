#include "sightline/clock/clock.h"

namespace sightline {

Instant SystemClock::Now() const { return std::chrono::system_clock::now(); }

}  // namespace sightline
