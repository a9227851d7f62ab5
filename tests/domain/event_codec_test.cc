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
