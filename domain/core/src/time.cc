#include "sightline/core/time.h"

#include <algorithm>
#include <cstdint>

#include <google/protobuf/util/time_util.h>

namespace sightline {

Instant ToInstant(const google::protobuf::Timestamp& ts) {
  // Instant counts nanoseconds in 64 bits (years 1678 to 2262). A timestamp from outside may say
  // anything up to year 9999 (or beyond, in bytes that skipped protobuf's own checks): clamp it
  // to the representable range, where validation refuses it as implausible, instead of
  // overflowing. 9e9 s is about year 2255.
  constexpr std::int64_t kLimit = 9'000'000'000;
  std::int64_t seconds = std::clamp<std::int64_t>(ts.seconds(), -kLimit, kLimit);
  std::int64_t nanos = std::clamp<std::int64_t>(ts.nanos(), -999'999'999, 999'999'999);
  return Instant(std::chrono::duration_cast<Instant::duration>(std::chrono::seconds(seconds) +
                                                               std::chrono::nanoseconds(nanos)));
}

google::protobuf::Timestamp ToTimestamp(Instant t) {
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
  google::protobuf::Timestamp ts;
  ts.set_seconds(ns / 1'000'000'000);
  ts.set_nanos(static_cast<std::int32_t>(ns % 1'000'000'000));
  if (ts.nanos() < 0) {
    ts.set_seconds(ts.seconds() - 1);
    ts.set_nanos(ts.nanos() + 1'000'000'000);
  }
  return ts;
}

std::string FormatIso(const google::protobuf::Timestamp& t) {
  return google::protobuf::util::TimeUtil::ToString(t);
}

std::string FormatIso(Instant t) { return FormatIso(ToTimestamp(t)); }

std::string FormatIsoOrEmpty(const google::protobuf::Timestamp& t) {
  return t.seconds() == 0 && t.nanos() == 0 ? "" : FormatIso(t);
}

std::int64_t UnixSeconds(Instant t) {
  return std::chrono::floor<std::chrono::seconds>(t.time_since_epoch()).count();
}

}  // namespace sightline
