// Conversions between client JSON and the v1 Envelope, and helpers to name an event's type.
// Pure functions: no I/O, no clock. Thread-safe (protobuf descriptors are immutable).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sightline/core/checked.h"
#include "sightline/events/v1/envelope.pb.h"

namespace sightline::domain {

using events::v1::Envelope;

// Parses one event in the proto3 JSON mapping (camelCase or proto field names). Unknown fields
// are rejected, never ignored: an unknown member where a payload belongs is an unknown event type.
Checked<Envelope> ParseEventJson(std::string_view json);

// ParseEventJson's fast path (canonical_json.cc): plain JSON of the usual shape, straight into the
// message. Nullopt for anything it is not sure of (it then goes to protobuf's parser); for what it
// accepts, the message is the one protobuf's parser makes (tests and the event_json fuzzer check
// both). Exposed for them.
std::optional<Envelope> ParseCanonicalEventJson(std::string_view json);

// The canonical proto3 JSON of an event (proto field names, enums as names), on one line.
std::string EventToJson(const Envelope& event);

// The payload's proto field name ("contact_received", ...), or nullopt when no payload is set.
std::optional<std::string_view> EventTypeName(const Envelope& event);

// Every payload type name the schema knows, in field-number order.
std::vector<std::string_view> AllEventTypeNames();

// One non-blank line of an NDJSON body, with its 1-based line number for error messages.
struct NdjsonLine {
  int number;
  std::string_view text;
};
std::vector<NdjsonLine> SplitNdjson(std::string_view body);

}  // namespace sightline::domain
