// The source of "now" for services. Domain code never reads a clock; services receive a Clock&
// and tests pass a ManualClock that they move by hand.
#pragma once

#include <mutex>
#include <string>

#include "sightline/core/time.h"

namespace sightline {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual Instant Now() const = 0;
};

// The real wall clock (UTC). The only place in Sightline that reads it.
class SystemClock final : public Clock {
 public:
  Instant Now() const override;
};

// Simulated time for tests and demos: the file holds Unix seconds, written by another process;
// the last good reading holds while the file is missing or mid-write. Never from a config key:
// only a flag (--simulated-clock-file) selects it.
class FileClock final : public Clock {
 public:
  explicit FileClock(std::string path) : path_(std::move(path)) {}
  Instant Now() const override;

 private:
  std::string path_;
  mutable std::mutex mu_;
  mutable Instant last_{};
};

// A clock that moves only when told to. Thread-safe.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(Instant start) : now_(start) {}
  Instant Now() const override {
    std::lock_guard lock(mu_);
    return now_;
  }
  void Set(Instant t) {
    std::lock_guard lock(mu_);
    now_ = t;
  }

 private:
  mutable std::mutex mu_;
  Instant now_;
};

}  // namespace sightline
