// What the HTTP server makes of a request target before any handler runs: percent-decoding (no
// escaped '/' or NUL gets through), the query, route matching and the static-file path check
// (which must never leave the root).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string_view>

#include "routing.h"
#include "sightline/core/text.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace routing = sightline::http::routing;
  std::string_view target(reinterpret_cast<const char*>(data), size);
  routing::Target t = routing::ParseTarget(target);
  if (!t.error.empty()) return 0;  // Refused with a 400 before any route is looked at.
  // A path is split into segments after decoding: every '/' in it must have been a '/' as sent,
  // never an escape. Nor may an escape put a NUL anywhere (Beast refuses one sent as it is).
  std::string_view sent_path = target.substr(0, target.find('?'));
  if (std::count(t.path.begin(), t.path.end(), '/') !=
      std::count(sent_path.begin(), sent_path.end(), '/'))
    __builtin_trap();
  if (target.find('\0') == std::string_view::npos) {
    if (t.path.find('\0') != std::string::npos) __builtin_trap();
    for (const auto& [key, value] : t.query)
      if (key.find('\0') != std::string::npos || value.find('\0') != std::string::npos)
        __builtin_trap();
  }
  static const routing::Pattern kChild("/v1/children/:id");
  std::map<std::string, std::string> params;
  if (kChild.Match(t.path, params) &&
      (params["id"].empty() || t.path.find("//") != std::string::npos || t.path.back() == '/'))
    __builtin_trap();  // A route is reached by one spelling of its path only.
  if (auto file = routing::SafeRelativePath(t.path)) {
    if (file->find("..") == 0 || file->find("/..") != std::string::npos || file->front() == '/')
      __builtin_trap();  // Would leave the served folder.
  }
  (void)routing::MediaType(target);
  (void)sightline::Utf8Length(target);
  return 0;
}
