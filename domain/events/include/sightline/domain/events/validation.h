// The rules an event must meet before it may enter the event log. The gateway, sightlinectl and
// (later) every consumer apply the same function, so "valid" means one thing everywhere.
//
// Generic rules come from the schema by reflection, so a field added later is covered without
// code: every enum must name a known value other than *_UNSPECIFIED (a short allow-list holds the
// enums that are required only in some cases), and every *_id / *_ids string must be a well-formed
// identifier. Rules that depend on the payload (which refs it needs, "an override must say why")
// are written out per type. Pure: "now" is a parameter, never read from a clock.
#pragma once

#include <chrono>
#include <cstddef>
#include <string_view>

#include "sightline/core/checked.h"
#include "sightline/core/ids.h"
#include "sightline/core/time.h"
#include "sightline/events/v1/envelope.pb.h"

namespace sightline::domain {

struct ValidationLimits {
  // Nothing in a child's record happened before this (rejects 1970 and other defaults).
  Instant earliest = std::chrono::sys_days{std::chrono::January / 1 / 1990};
  // How far in the future occurred_at/recorded_at may be: clients' clocks drift.
  std::chrono::seconds max_future_skew{300};
  std::size_t max_text_length = 4000;  // Characters (code points) in any free-text field.
  int max_repeated = 100;              // Items in any repeated field.
  // Rules added after events were first logged under looser ones: C1 controls in free text, and
  // a child's name on one line without bidirectional controls. They hold at the door (the
  // gateway, sightlinectl), not for the log: an event already in it was accepted under the rules
  // of its day, and a consumer that refused it now would lose it from a rebuild.
  bool door_rules = true;
};

// All the reasons the event may not be accepted; empty when it is valid.
[[nodiscard]] FieldErrors ValidateEvent(const events::v1::Envelope& event, Instant now,
                                        const ValidationLimits& limits);

// The whole ingest step for one JSON event: parse, stamp recorded_at with `now` when the client
// left it out, validate. The gateway and `sightlinectl emit` both call this.
Checked<events::v1::Envelope> AcceptEventJson(std::string_view json, Instant now,
                                              const ValidationLimits& limits);

// Limits for events already in the log (the consumers): a wide future skew, since clocks differ.
ValidationLimits LogValidationLimits();

// One consumed record of sightline.events.v1 (Kafka key, value), decoded and validated. When
// `reason` is set the record is a dead letter: undecodable, unknown_type, invalid or
// key_mismatch, and `detail` says which field and why.
struct LogRecord {
  events::v1::Envelope event;
  std::string reason;
  std::string detail;
  bool ok() const { return reason.empty(); }
};
LogRecord CheckLogRecord(std::string_view key, std::string_view value, Instant now);

// The same check, decoding into `event` (which may live on the caller's protobuf arena).
struct LogCheck {
  std::string reason;
  std::string detail;
  bool ok() const { return reason.empty(); }
};
LogCheck CheckLogRecordInto(std::string_view key, std::string_view value, Instant now,
                            events::v1::Envelope& event);

}  // namespace sightline::domain
