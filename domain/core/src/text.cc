#include "sightline/core/text.h"

namespace sightline {

std::optional<std::size_t> Utf8Length(std::string_view s) {
  std::size_t count = 0;
  std::size_t i = 0;
  while (i < s.size()) {
    auto b = static_cast<unsigned char>(s[i]);
    std::size_t extra = 0;
    char32_t cp = 0;
    if (b < 0x80) {
      cp = b;
    } else if (b >= 0xC2 && b <= 0xDF) {
      extra = 1;
      cp = b & 0x1Fu;
    } else if (b >= 0xE0 && b <= 0xEF) {
      extra = 2;
      cp = b & 0x0Fu;
    } else if (b >= 0xF0 && b <= 0xF4) {
      extra = 3;
      cp = b & 0x07u;
    } else {
      return std::nullopt;  // A continuation byte first, 0xC0/0xC1 (overlong), or above 0xF4.
    }
    if (s.size() - i <= extra) return std::nullopt;
    for (std::size_t k = 1; k <= extra; ++k) {
      auto c = static_cast<unsigned char>(s[i + k]);
      if ((c & 0xC0u) != 0x80u) return std::nullopt;
      cp = (cp << 6) | (c & 0x3Fu);
    }
    if ((extra == 2 && cp < 0x800) || (extra == 3 && cp < 0x10000) || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF))
      return std::nullopt;
    i += extra + 1;
    ++count;
  }
  return count;
}

bool HasControlCharacter(std::string_view s, bool line_breaks_too) {
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (u == 0x7F || (u < 0x20 && (line_breaks_too || (c != '\n' && c != '\t' && c != '\r'))))
      return true;
  }
  return false;
}

// In well-formed UTF-8 a lead byte is never a continuation byte, so these byte patterns are the
// code points themselves: U+0080-U+009F is C2 80-9F; U+202A-U+202E is E2 80 AA-AE; U+2066-U+2069
// is E2 81 A6-A9.
bool HasC1Control(std::string_view s) {
  for (std::size_t i = s.find('\xC2'); i != std::string_view::npos; i = s.find('\xC2', i + 1)) {
    if (i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) <= 0x9F) return true;
  }
  return false;
}

namespace {

// Where the next bidirectional control starts in `s` at or after `from`; npos when none.
std::size_t NextBidiControl(std::string_view s, std::size_t from) {
  for (std::size_t i = s.find('\xE2', from); i != std::string_view::npos;
       i = s.find('\xE2', i + 1)) {
    if (i + 2 >= s.size()) return std::string_view::npos;
    auto second = static_cast<unsigned char>(s[i + 1]);
    auto third = static_cast<unsigned char>(s[i + 2]);
    if ((second == 0x80 && third >= 0xAA && third <= 0xAE) ||
        (second == 0x81 && third >= 0xA6 && third <= 0xA9))
      return i;
  }
  return std::string_view::npos;
}

}  // namespace

bool HasBidiControl(std::string_view s) { return NextBidiControl(s, 0) != std::string_view::npos; }

std::string WithoutBidiControls(std::string_view s) {
  std::string out;
  std::size_t from = 0;
  for (std::size_t at = NextBidiControl(s, 0); at != std::string_view::npos;
       at = NextBidiControl(s, from)) {
    out.append(s.substr(from, at - from));
    from = at + 3;  // Each is three bytes.
  }
  out.append(s.substr(from));
  return out;
}

}  // namespace sightline
