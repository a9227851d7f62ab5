#include "sightline/core/text.h"

#include "sightline/core/time.h"

#include <gtest/gtest.h>

#include <string>

namespace sightline {
namespace {

TEST(Utf8Length, CountsCharactersNotBytes) {
  EXPECT_EQ(Utf8Length(""), 0u);
  EXPECT_EQ(Utf8Length("Ann"), 3u);
  EXPECT_EQ(Utf8Length("Zoë"), 3u);  // ë is two bytes.
  EXPECT_EQ(Utf8Length("Siân Ó Dálaigh"), 14u);
  EXPECT_EQ(Utf8Length("李"), 1u);                  // Three bytes.
  EXPECT_EQ(Utf8Length("\xF0\x9F\x98\x80"), 1u);    // U+1F600, four bytes.
  EXPECT_EQ(Utf8Length(std::string(1, '\0')), 1u);  // NUL is a character; callers refuse it.
}

TEST(Utf8Length, RefusesMalformedSequences) {
  for (const char* bad : {
           "\x80",              // A continuation byte first.
           "\xC3",              // Truncated two-byte form.
           "\xC0\xAF",          // Overlong '/'.
           "\xE0\x80\xAF",      // Overlong three-byte '/'.
           "\xED\xA0\x80",      // A UTF-16 surrogate.
           "\xF4\x90\x80\x80",  // Above U+10FFFF.
           "\xF8\x88\x80\x80\x80",
           "ab\xE2\x82",  // Truncated at the end.
           "\xE2\x28\xA1",
       }) {
    EXPECT_FALSE(Utf8Length(bad).has_value()) << bad;
  }
}

// Found by fuzz_event_json and fuzz_log_record: a timestamp past year 2262 overflowed the
// nanosecond count (undefined behaviour) instead of being refused as implausible.
TEST(ToInstant, ClampsTimestampsOutsideTheRepresentableRange) {
  google::protobuf::Timestamp far;
  far.set_seconds(253402300799);  // 9999-12-31T23:59:59Z, valid for protobuf.
  EXPECT_GT(ToInstant(far), Instant(std::chrono::sys_days{std::chrono::January / 1 / 2250}));
  far.set_seconds(-30173611200);
  EXPECT_LT(ToInstant(far), Instant(std::chrono::sys_days{std::chrono::January / 1 / 1700}));
  google::protobuf::Timestamp now;
  now.set_seconds(1'795'000'000);
  now.set_nanos(5);
  EXPECT_EQ(ToTimestamp(ToInstant(now)).seconds(), 1'795'000'000);
}

}  // namespace
}  // namespace sightline
