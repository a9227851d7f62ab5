// Text from outside: UTF-8 checked and measured in characters (code points), without regex or
// recursion, so a limit can be applied before anything expensive happens.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace sightline {

// The number of code points in `s`, or nullopt when it is not well-formed UTF-8 (stray or
// missing continuation bytes, overlong forms, surrogates, values above U+10FFFF).
std::optional<std::size_t> Utf8Length(std::string_view s);

}  // namespace sightline
