// The watchdog store's column families and row encodings (state.h), shared by the writer
// (state.cc) and the read-only views (state_views.cc). Internal to the watchdog.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "sightline/events/v1/envelope.pb.h"
#include "sightline/storage/store.h"
#include "sightline/watchdog/v1/watchdog.pb.h"
#include "state.h"

namespace sightline::watchdog_service::state_rows {

namespace v1 = events::v1;
namespace wv = watchdog::v1;
using storage::BigEndianKey;
using storage::FromBigEndianKey;

inline constexpr const char* kEvents = "events";
inline constexpr const char* kLedgers = "ledgers";
inline constexpr const char* kDeadlines = "deadlines";
inline constexpr const char* kOutbox = "outbox";
inline constexpr const char* kRaised = "raised";
inline constexpr const char* kTallies = "tallies";
inline constexpr const char* kMeta = WatchdogState::kOffsetsFamily;

using storage::BigEndianKey;
using storage::FromBigEndianKey;

inline std::uint64_t WakeSeconds(const wv::Deadline& d) {
  if (!d.has_next_wake()) return ~std::uint64_t{0};
  return static_cast<std::uint64_t>(std::max<std::int64_t>(d.next_wake().seconds(), 0));
}

// `stream`: the child id, or a subject's stream (domain/clocks subjects.h).
inline std::string DeadlineKey(const std::string& stream, const wv::Deadline& d) {
  return BigEndianKey(WakeSeconds(d)) + stream + '\0' + d.clock_id();
}

inline std::string RaisedKey(const std::string& stream, const wv::Deadline& d) {
  return BigEndianKey(static_cast<std::uint64_t>(std::max<std::int64_t>(d.due_at().seconds(), 0))) +
         stream + '\0' + d.clock_id();
}

// The tallies one open clock counts in.
inline void Tally(const wv::Deadline& d, std::int64_t sign,
                  std::map<std::string, std::int64_t>& out) {
  out["rule/" + d.rule_id()] += sign;
  if (d.raised()) {
    out[std::string("alerts/") + (d.acknowledged() ? "acknowledged/" : "unacknowledged/") +
        std::to_string(d.level())] += sign;
  }
}

inline std::int64_t ReadCount(std::string_view v) {
  return static_cast<std::int64_t>(FromBigEndianKey(v));
}

// A stream's stored events (a child's, or a subject's copies).
inline Status LoadStream(const storage::Store& store, const std::string& stream,
                         std::vector<v1::Envelope>& out) {
  return store.Scan(kEvents, stream + '\0', [&](std::string_view, std::string_view value) {
    v1::Envelope& e = out.emplace_back();
    return e.ParseFromArray(value.data(), static_cast<int>(value.size()));
  });
}

}  // namespace sightline::watchdog_service::state_rows
