// Names of event types and enum values as people and metric labels read them.
#pragma once

#include <string>
#include <string_view>

#include "sightline/events/v1/envelope.pb.h"

namespace sightline::domain {

// "contact_received" for a payload; "unknown" when unset.
std::string PayloadName(const events::v1::Envelope& event);
// "RAG_RATING_RED" -> "red" (prefix and case dropped) for display.
std::string EnumLabel(std::string_view enum_value_name, std::string_view prefix);

}  // namespace sightline::domain
