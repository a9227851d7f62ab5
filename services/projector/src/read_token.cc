#include "read_token.h"

#include <charconv>
#include <thread>

namespace sightline::projector {

std::string FormatApplied(const consumer::ShellStatus& status) {
  std::string out;
  for (const auto& [partition, p] : status.partitions) {
    if (!out.empty()) out += ',';
    out += std::to_string(partition) + ':' + std::to_string(p.applied_next);
  }
  return out;
}

namespace {

template <class T>
bool Number(std::string_view text, T max, T& out) {
  if (text.empty() || text.size() > 19) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size() && out >= 0 && out <= max;
}

}  // namespace

std::optional<AppliedOffsets> ParseApplied(std::string_view text) {
  AppliedOffsets out;
  if (text.empty()) return out;
  std::size_t pairs = 0;
  while (true) {
    std::size_t comma = text.find(',');
    std::string_view pair = text.substr(0, comma);
    std::size_t colon = pair.find(':');
    std::int32_t partition = 0;
    std::int64_t offset = 0;
    if (colon == std::string_view::npos || ++pairs > 1000 ||
        !Number<std::int32_t>(pair.substr(0, colon), 9999, partition) ||
        !Number<std::int64_t>(pair.substr(colon + 1), std::int64_t{1} << 62, offset) ||
        !out.emplace(partition, offset).second)
      return std::nullopt;
    if (comma == std::string_view::npos) return out;
    text.remove_prefix(comma + 1);
  }
}

bool HasApplied(const consumer::ShellStatus& status, const AppliedOffsets& wanted) {
  for (const auto& [partition, offset] : wanted) {
    auto it = status.partitions.find(partition);
    if (it == status.partitions.end() || it->second.applied_next < offset) return false;
  }
  return true;
}

bool WaitUntilApplied(const std::function<consumer::ShellStatus()>& status,
                      const AppliedOffsets& wanted, std::chrono::milliseconds timeout) {
  const auto give_up = std::chrono::steady_clock::now() + timeout;
  while (!HasApplied(status(), wanted)) {
    if (std::chrono::steady_clock::now() >= give_up) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

AppliedWaits::Outcome AppliedWaits::Wait(const std::function<consumer::ShellStatus()>& status,
                                         const AppliedOffsets& wanted,
                                         std::chrono::milliseconds timeout) {
  if (waiting_.fetch_add(1) >= limit_) {
    waiting_.fetch_sub(1);
    return Outcome::kTooMany;
  }
  bool applied = WaitUntilApplied(status, wanted, timeout);
  waiting_.fetch_sub(1);
  return applied ? Outcome::kApplied : Outcome::kTimedOut;
}

}  // namespace sightline::projector
