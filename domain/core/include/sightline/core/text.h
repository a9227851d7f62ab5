// Text from outside: UTF-8 checked and measured in characters (code points), without regex or
// recursion, so a limit can be applied before anything expensive happens.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace sightline {

// The number of code points in `s`, or nullopt when it is not well-formed UTF-8 (stray or
// missing continuation bytes, overlong forms, surrogates, values above U+10FFFF).
std::optional<std::size_t> Utf8Length(std::string_view s);

// True when `s` holds a C0 control character or DEL; line breaks and tabs count only when
// `line_breaks_too`. C1 controls are HasC1Control's.
bool HasControlCharacter(std::string_view s, bool line_breaks_too);

// For well-formed UTF-8 (see Utf8Length), code points a reader does not see but which change
// what is shown or how it is read:
// - C1 control characters, U+0080-U+009F;
bool HasC1Control(std::string_view s);
// - the bidirectional embeddings, overrides and isolates, U+202A-U+202E and U+2066-U+2069, which
//   reorder the text around them on screen ("Trojan Source"; Unicode UTS #55).
bool HasBidiControl(std::string_view s);
// `s` without those bidirectional controls: for typed text set inside a line of our own words,
// where a control would reorder our words too. The event keeps the text as it was given.
std::string WithoutBidiControls(std::string_view s);

}  // namespace sightline
