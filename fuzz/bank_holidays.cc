// The bank-holiday file (ParseBankHolidays), and working-day arithmetic on what it accepts.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "sightline/domain/calendar/calendar.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto calendar = sightline::domain::ParseBankHolidays(text);
  if (calendar.ok()) {
    sightline::Instant start(std::chrono::sys_days{std::chrono::December / 20 / 2026});
    (void)calendar.value().AddWorkingDays(start, 45);
  }
  (void)sightline::domain::ParseDay(text);
  return 0;
}
