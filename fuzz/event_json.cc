// One event as the gateway receives it: JSON -> parse -> validate (AcceptEventJson).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "sightline/domain/events/validation.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const sightline::Instant kNow =
      sightline::Instant(std::chrono::sys_days{std::chrono::November / 24 / 2026});
  std::string_view json(reinterpret_cast<const char*>(data), size);
  auto result =
      sightline::domain::AcceptEventJson(json, kNow, sightline::domain::ValidationLimits{});
  if (!result.ok() && result.errors().empty()) __builtin_trap();  // A refusal must say why.
  return 0;
}
