#include "sightline/clock/clock.h"

namespace sightline {

domain::Instant SystemClock::Now() const { return std::chrono::system_clock::now(); }

}  // namespace sightline
