// One event as the gateway receives it: JSON -> parse -> validate (AcceptEventJson). And the
// parser's fast path against protobuf's own: whatever the fast path accepts, protobuf's parser
// must accept as the same message.
#include <google/protobuf/util/json_util.h>

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "sightline/domain/events/codec.h"
#include "sightline/domain/events/validation.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const sightline::Instant kNow =
      sightline::Instant(std::chrono::sys_days{std::chrono::November / 24 / 2026});
  std::string_view json(reinterpret_cast<const char*>(data), size);
  auto result =
      sightline::domain::AcceptEventJson(json, kNow, sightline::domain::ValidationLimits{});
  if (!result.ok() && result.errors().empty()) __builtin_trap();  // A refusal must say why.
  if (auto fast = sightline::domain::ParseCanonicalEventJson(json)) {
    sightline::domain::Envelope reference;
    google::protobuf::util::JsonParseOptions options;
    options.ignore_unknown_fields = false;
    auto parsed = google::protobuf::util::JsonStringToMessage(
        google::protobuf::StringPiece(json.data(), json.size()), &reference, options);
    if (!parsed.ok() || reference.SerializeAsString() != fast->SerializeAsString())
      __builtin_trap();  // The fast path read something protobuf reads otherwise.
  }
  return 0;
}
