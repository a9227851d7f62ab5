#include "sightline/domain/events/codec.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace sightline::domain {
namespace {

TEST(EventCodec, JsonRoundTripIsLossless) {
  auto parsed = ParseEventJson(
      R"({"event_id":"e1","child_id":"c1","rag_rated":{"rating":"RAG_RATING_RED"},
          "occurred_at":"2026-11-20T09:00:00.5Z"})");
  ASSERT_TRUE(parsed.ok());
  std::string json = EventToJson(parsed.value());
  EXPECT_EQ(json.find('\n'), std::string::npos) << "NDJSON needs one line per event";
  auto again = ParseEventJson(json);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again.value().SerializeAsString(), parsed.value().SerializeAsString());
  EXPECT_NE(json.find("\"RAG_RATING_RED\""), std::string::npos) << json;
}

TEST(EventCodec, TypeNames) {
  Envelope e;
  EXPECT_FALSE(EventTypeName(e).has_value());
  e.mutable_case_closed();
  EXPECT_EQ(*EventTypeName(e), "case_closed");
  auto all = AllEventTypeNames();
  EXPECT_GE(all.size(), 28u);
  EXPECT_NE(std::find(all.begin(), all.end(), "correction"), all.end());
}

TEST(EventCodec, SplitNdjsonKeepsLineNumbersAndSkipsBlanks) {
  auto lines = SplitNdjson("{\"a\":1}\r\n\n  \n{\"b\":2}\n{\"c\":3}");
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0].number, 1);
  EXPECT_EQ(lines[0].text, "{\"a\":1}");
  EXPECT_EQ(lines[1].number, 4);
  EXPECT_EQ(lines[2].number, 5);
  EXPECT_EQ(lines[2].text, "{\"c\":3}");
  EXPECT_TRUE(SplitNdjson("").empty());
}

}  // namespace
}  // namespace sightline::domain

namespace sightline::domain {
namespace {

// Protobuf's parse errors quote the client's input. A 28 KB role once overflowed the stack of the
// regex that read them (issue 12); now they are read in one pass and echoed at most 200 chars.
TEST(EventCodec, HugeBadValuesAndNamesGiveShortErrorsNotCrashes) {
  std::string huge(100000, 'X');
  auto bad_enum = ParseEventJson(R"({"event_id":"e1","actor":{"role":")" + huge + R"("}})");
  ASSERT_FALSE(bad_enum.ok());
  ASSERT_EQ(bad_enum.errors().size(), 1u);
  EXPECT_EQ(bad_enum.errors()[0].field, "actor.role");
  EXPECT_LT(bad_enum.errors()[0].reason.size(), 400u);
  EXPECT_NE(bad_enum.errors()[0].reason.find("(100"), std::string::npos)
      << "the reason says how long the echoed text was: " << bad_enum.errors()[0].reason;

  auto bad_name = ParseEventJson(R"({"event_id":"e1","actor":{")" + huge + R"(":"x"}})");
  ASSERT_FALSE(bad_name.ok());
  EXPECT_EQ(bad_name.errors()[0].field.rfind("actor.XXX", 0), 0u) << bad_name.errors()[0].field;
  EXPECT_LT(bad_name.errors()[0].field.size(), 300u);
  EXPECT_LT(bad_name.errors()[0].reason.size(), 400u);

  auto unknown_type = ParseEventJson(R"({"event_id":"e1",")" + huge + R"(":{}})");
  ASSERT_FALSE(unknown_type.ok());
  EXPECT_NE(unknown_type.errors()[0].reason.find("unknown field or event type"), std::string::npos);
  EXPECT_LT(unknown_type.errors()[0].reason.size(), 500u);
}

TEST(EventCodec, ParseErrorsNameTheField) {
  auto unknown = ParseEventJson(R"({"event_id":"e1","actor":{"rank":"x"}})");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.errors()[0].field, "actor.rank");
  EXPECT_EQ(unknown.errors()[0].reason, "unknown field 'rank'");
  auto malformed = ParseEventJson("{\"event_id\": ");
  ASSERT_FALSE(malformed.ok());
  EXPECT_EQ(malformed.errors()[0].field, "");
  EXPECT_EQ(malformed.errors()[0].reason.rfind("malformed JSON: ", 0), 0u);
}

}  // namespace
}  // namespace sightline::domain
