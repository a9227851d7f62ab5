// What the HTTP server makes of a request target before any handler runs: percent-decoding, the
// query, route matching and the static-file path check (which must never leave the root).
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
  static const routing::Pattern kChild("/v1/children/:id");
  std::map<std::string, std::string> params;
  if (kChild.Match(t.path, params) && params["id"].empty()) __builtin_trap();
  if (auto file = routing::SafeRelativePath(t.path)) {
    if (file->find("..") == 0 || file->find("/..") != std::string::npos || file->front() == '/')
      __builtin_trap();  // Would leave the served folder.
  }
  (void)routing::MediaType(target);
  (void)sightline::Utf8Length(target);
  return 0;
}
