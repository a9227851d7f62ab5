#include "sightline/core/ids.h"

#include <algorithm>
#include <cctype>

namespace sightline {

namespace {
// ASCII only, whatever the process's locale (std::isalnum follows it, and was a call per byte).
constexpr bool IsAsciiAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}
}  // namespace

bool IsWellFormedId(std::string_view id) {
  if (id.empty() || id.size() > 128 || !IsAsciiAlnum(id[0])) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return IsAsciiAlnum(c) || c == '.' || c == '_' || c == ':' || c == '-';
  });
}

}  // namespace sightline
