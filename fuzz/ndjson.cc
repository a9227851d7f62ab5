// A batch body split into lines (SplitNdjson): every byte lands in exactly one line or is a
// line break or blank line.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "sightline/domain/events/codec.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  std::size_t total = 0;
  for (const auto& line : sightline::domain::SplitNdjson(body)) {
    if (line.text.data() < body.data() || line.text.data() + line.text.size() > body.data() + size)
      __builtin_trap();  // A line must be a view into the body.
    total += line.text.size();
  }
  if (total > size) __builtin_trap();
  return 0;
}
