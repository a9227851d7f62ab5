// X-Sightline-Not-Before, the header a client sends to a projector replica (read_token.h): any
// bytes are parsed or refused, never crash, and what is accepted reads back the same once
// formatted.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "read_token.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace p = sightline::projector;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = p::ParseApplied(text);
  if (!parsed) return 0;
  sightline::consumer::ShellStatus status;
  for (const auto& [partition, offset] : *parsed)
    status.partitions[partition].applied_next = offset;
  if (!p::HasApplied(status, *parsed)) __builtin_trap();
  auto again = p::ParseApplied(p::FormatApplied(status));
  if (!again || *again != *parsed) __builtin_trap();
  return 0;
}
