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

// UTF-8 of one code point, built at run time: clang-tidy refuses a literal that holds a
// bidirectional control, escaped or not (misc-misleading-bidirectional), which is what the
// function under test is for.
std::string Utf8(char32_t cp) {
  if (cp < 0x80) return std::string(1, static_cast<char>(cp));
  if (cp < 0x800)
    return {static_cast<char>(0xC0 | (cp >> 6)), static_cast<char>(0x80 | (cp & 0x3F))};
  return {static_cast<char>(0xE0 | (cp >> 12)), static_cast<char>(0x80 | ((cp >> 6) & 0x3F)),
          static_cast<char>(0x80 | (cp & 0x3F))};
}

TEST(InvisibleControls, FindsC1AndBidiControlsAndNothingElse) {
  EXPECT_TRUE(HasC1Control("a" + Utf8(0x80)));
  EXPECT_TRUE(HasC1Control(Utf8(0x9F) + " b"));
  EXPECT_FALSE(HasC1Control(Utf8(0xA0) + Utf8(0xA3) + " Zo" + Utf8(0xEB)));  // NBSP, pound, e.
  EXPECT_FALSE(HasC1Control("line\nbreak\ttab"));  // C0 is the callers' own rule.
  for (char32_t bidi : {0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069})
    EXPECT_TRUE(HasBidiControl("Ann " + Utf8(bidi) + "Smith")) << static_cast<int>(bidi);
  // Neighbours that are not controls (en dash, paragraph separator, narrow no-break space, word
  // joiner, euro sign), the marks U+200E/U+200F, and right-to-left letters themselves (Hebrew,
  // Arabic), which need no control to be shown.
  for (char32_t plain :
       {0x2013, 0x2029, 0x202F, 0x2060, 0x206A, 0x20AC, 0x200E, 0x200F, 0x05D3, 0x0644})
    EXPECT_FALSE(HasBidiControl("Ann " + Utf8(plain) + "Smith")) << static_cast<int>(plain);
  EXPECT_FALSE(HasBidiControl("\xE2"));

  EXPECT_EQ(WithoutBidiControls("Ann " + Utf8(0x202E) + "Smith" + Utf8(0x2069)), "Ann Smith");
  EXPECT_EQ(WithoutBidiControls(Utf8(0x2066) + Utf8(0x202A)), "");
  std::string kept = "Zo" + Utf8(0xEB) + " " + Utf8(0x2013) + " " + Utf8(0x05D3) + Utf8(0x200F);
  EXPECT_EQ(WithoutBidiControls(kept), kept);  // Letters, dashes and marks stay.
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
