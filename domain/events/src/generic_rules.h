// Schema-driven checks shared by every event type (internal to the domain module).
#pragma once

#include <google/protobuf/message.h>

#include <cstddef>
#include <string>

#include "sightline/core/status.h"

namespace sightline::domain {

// Walks every field of `message` (recursing into set sub-messages, except nested Envelopes, which
// their owner validates) and appends an error for: an enum that is *_UNSPECIFIED (unless listed
// as conditionally required) or not a known value; an *_id/_ids string that is not a well-formed
// id; any other string longer than max_text, not UTF-8, or holding control characters (C0 but
// line breaks and tabs, DEL, and with refuse_c1 the C1 block).
struct GenericLimits {
  std::size_t max_text = 4000;  // Characters in a free-text field.
  int max_repeated = 100;       // Items in a repeated field.
  bool refuse_c1 = true;        // A rule of the door (ValidationLimits::door_rules).
};

void CheckGenericRules(const google::protobuf::Message& message, const std::string& prefix,
                       const GenericLimits& limits, FieldErrors& out);

}  // namespace sightline::domain
