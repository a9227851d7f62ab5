// An imported CIN census return (sightlinectl import cin-census): the XML reader (expat, no DTD,
// depth and size limits), the return turned into events, and each event through the gateway's
// validation. Whatever the bytes, a clear error or valid events; never a crash.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "sightline/domain/events/validation.h"
#include "sightline/domain/returns/cin_census_import.h"
#include "sightline/xml/xml.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto message = sightline::xml::ParseXml(text);
  if (!message.ok()) return 0;
  auto events = sightline::domain::returns::CinCensusEvents(message.value(),
                                                            {.source = "fuzz", .actor_id = "fuzz"});
  if (!events.ok()) return 0;
  sightline::Instant now(std::chrono::sys_days{std::chrono::January / 1 / 2030});
  for (const auto& e : events.value())
    (void)sightline::domain::ValidateEvent(e, now, sightline::domain::ValidationLimits{});
  return 0;
}
