#include "sightline/core/time.h"

#include <google/protobuf/util/time_util.h>

namespace sightline {

Instant ToInstant(const google::protobuf::Timestamp& ts) {
  return Instant(std::chrono::duration_cast<Instant::duration>(
      std::chrono::seconds(ts.seconds()) + std::chrono::nanoseconds(ts.nanos())));
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
