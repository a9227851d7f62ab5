// Time as every part of Sightline names it: an Instant is a UTC point on the system clock's
// scale, converted to and from protobuf Timestamps and written as RFC 3339 ("2026-11-20T09:00:00Z")
// in one way only. Nothing here reads a clock: the clock adapter (adapters/clock) is the only
// reader of the wall clock, and everything else is handed "now".
#pragma once

#include <google/protobuf/timestamp.pb.h>

#include <chrono>
#include <string>

namespace sightline {

using Instant = std::chrono::system_clock::time_point;

Instant ToInstant(const google::protobuf::Timestamp& ts);
google::protobuf::Timestamp ToTimestamp(Instant t);

// RFC 3339 in UTC with a Z, fractional seconds only when present.
std::string FormatIso(Instant t);
std::string FormatIso(const google::protobuf::Timestamp& t);
// As FormatIso, but "" for an unset Timestamp (seconds and nanos both 0), for optional fields.
std::string FormatIsoOrEmpty(const google::protobuf::Timestamp& t);

// Whole seconds since the Unix epoch (floor).
std::int64_t UnixSeconds(Instant t);

}  // namespace sightline
