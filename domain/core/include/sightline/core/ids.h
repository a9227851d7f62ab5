// Identifiers (child, household, event, clock, user ids): one rule for what a well-formed one is,
// shared by event validation and every API that takes an id in its path.
#pragma once

#include <string_view>

namespace sightline {

// True for 1-128 characters of [A-Za-z0-9._:-] starting with a letter or digit.
bool IsWellFormedId(std::string_view id);

}  // namespace sightline
