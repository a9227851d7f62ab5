// Projector replicas behind a load balancer, and a session that never sees time go backwards
// (issue 17, ADR 0022). Every read answers with X-Sightline-Applied: how far this replica had
// applied the events topic when the read began ("<partition>:<next offset>,..."). A client keeps
// the largest it has seen per partition and sends it back as X-Sightline-Not-Before; a replica
// that has not applied that much yet waits a moment for its consumer, then answers 503 with
// Retry-After, so the balancer (or the client) asks again rather than show an older record.
// Partitions and offsets are the events topic's, the same for every replica.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "sightline/consumer/shell.h"

namespace sightline::projector {

using AppliedOffsets = std::map<std::int32_t, std::int64_t>;

std::string FormatApplied(const consumer::ShellStatus& status);
// nullopt when malformed: "p:o" pairs, comma-separated, p 0..9999, o 0..2^62, at most 1,000.
std::optional<AppliedOffsets> ParseApplied(std::string_view text);
// Whether `status` has applied at least `wanted` on every partition it names.
bool HasApplied(const consumer::ShellStatus& status, const AppliedOffsets& wanted);
// Asks `status` every 20 ms until it has applied `wanted`, for at most `timeout`; false if not.
bool WaitUntilApplied(const std::function<consumer::ShellStatus()>& status,
                      const AppliedOffsets& wanted, std::chrono::milliseconds timeout);

// The reads waiting on this replica (WaitUntilApplied, each on a request thread), at most
// `limit` at once so that other reads always have threads (ADR 0024). Thread-safe.
class AppliedWaits {
 public:
  enum class Outcome { kApplied, kTooMany, kTimedOut };
  explicit AppliedWaits(int limit) : limit_(limit) {}
  Outcome Wait(const std::function<consumer::ShellStatus()>& status, const AppliedOffsets& wanted,
               std::chrono::milliseconds timeout);

 private:
  const int limit_;
  std::atomic<int> waiting_{0};
};

}  // namespace sightline::projector
