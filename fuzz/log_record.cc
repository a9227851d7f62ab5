// A Kafka record as a consumer reads it (CheckLogRecord): key and protobuf value. The first
// input byte says how long the key is.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "sightline/domain/events/validation.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const sightline::Instant kNow =
      sightline::Instant(std::chrono::sys_days{std::chrono::November / 24 / 2026});
  if (size == 0) return 0;
  std::size_t key_size = std::min<std::size_t>(data[0], size - 1);
  const char* bytes = reinterpret_cast<const char*>(data + 1);
  std::string_view key(bytes, key_size);
  std::string_view value(bytes + key_size, size - 1 - key_size);
  auto record = sightline::domain::CheckLogRecord(key, value, kNow);
  (void)record;
  return 0;
}
