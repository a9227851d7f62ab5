#include "sightline/domain/events/codec.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <optional>
#include <set>

#include "sightline/domain/events/names.h"
#include "sightline/simulator/simulate.h"

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

namespace sightline::domain {
namespace {

namespace pb = google::protobuf;

// Protobuf's own JSON parser, as ParseEventJson used it alone before the fast path.
std::optional<std::string> ProtobufParse(std::string_view json) {
  Envelope e;
  pb::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  if (!pb::util::JsonStringToMessage(pb::StringPiece(json.data(), json.size()), &e, options).ok())
    return std::nullopt;
  return e.SerializeAsString();
}

TEST(EventCodec, TheFastPathReadsEverySimulatedEventAsProtobufDoes) {
  SimulationParams p;
  p.seed = 21;
  p.days = 30;
  p.contacts_per_day = 30;
  std::vector<Envelope> events = Simulate(p);
  ASSERT_GT(events.size(), 2000u);
  std::set<std::string> types;
  for (const Envelope& e : events) {
    types.insert(std::string(*EventTypeName(e)));
    // Proto names (as EventToJson and sightlinectl write them) and camelCase (as protobuf's
    // printer writes them by default).
    pb::util::JsonPrintOptions camel;
    std::string camel_json;
    ASSERT_TRUE(pb::util::MessageToJsonString(e, &camel_json, camel).ok());
    for (const std::string& json : {EventToJson(e), camel_json}) {
      std::optional<Envelope> fast = ParseCanonicalEventJson(json);
      ASSERT_TRUE(fast) << "the fast path gave up on " << json;
      ASSERT_EQ(fast->SerializeAsString(), ProtobufParse(json).value()) << json;
      ASSERT_EQ(fast->SerializeAsString(), e.SerializeAsString()) << json;
    }
  }
  EXPECT_GE(types.size(), 20u) << "the simulation should cover most event types";
}

// Protobuf's parser keeps the last of two values for one key without a word. A body read one way
// by a proxy, a log or a person and another way here could put one child's event on another's
// record, so a key given twice, in either of its spellings, is refused and named.
TEST(EventCodec, AKeyGivenTwiceIsRefusedAndNamed) {
  const std::string tail =
      R"("occurred_at":"2026-11-20T09:00:00Z","rag_rated":{"rating":"RAG_RATING_RED"}})";
  struct Case {
    std::string json, field;
  } cases[] = {
      {R"({"event_id":"e1","child_id":"c1","child_id":"c2",)" + tail, "child_id"},
      {R"({"event_id":"e1","child_id":"c1","childId":"c2",)" + tail, "childId"},
      {R"({"event_id":"e1","child_id":"c1","child\u005fid":"c2",)" + tail, "child_id"},
      {R"({"event_id":"e1","child_id":"c1","occurred_at":"2026-11-20T09:00:00Z",)"
       R"("rag_rated":{"rating":"RAG_RATING_RED","rating":"RAG_RATING_GREEN"}})",
       "rag_rated.rating"},
  };
  for (const Case& c : cases) {
    ASSERT_TRUE(ProtobufParse(c.json)) << "protobuf alone takes it: " << c.json;
    auto parsed = ParseEventJson(c.json);
    ASSERT_FALSE(parsed.ok()) << c.json;
    EXPECT_EQ(parsed.errors()[0].field, c.field) << c.json;
    EXPECT_THAT(parsed.errors()[0].reason, ::testing::HasSubstr("given twice")) << c.json;
  }
  // Every simulated event, written so that protobuf's parser reads it (enums by number), is read
  // as before: the same key in different objects, and arrays of objects, are not a key twice.
  SimulationParams p;
  p.seed = 22;
  p.days = 20;
  p.contacts_per_day = 20;
  pb::util::JsonPrintOptions numbers;
  numbers.always_print_enums_as_ints = true;
  numbers.preserve_proto_field_names = true;
  for (const Envelope& e : Simulate(p)) {
    std::string json;
    ASSERT_TRUE(pb::util::MessageToJsonString(e, &json, numbers).ok());
    auto parsed = ParseEventJson(json);
    ASSERT_TRUE(parsed.ok()) << parsed.errors()[0].ToString() << ": " << json;
    EXPECT_EQ(parsed.value().SerializeAsString(), e.SerializeAsString()) << json;
  }
}

TEST(EventCodec, TheFastPathGivesUpOnWhatItIsNotSureOfAndProtobufDecides) {
  const std::string base =
      R"("event_id":"e1","child_id":"c1","occurred_at":"2026-11-20T09:00:00Z")";
  // Each of these is left to protobuf's parser: whatever it says (a message or an error) stands.
  for (const std::string& odd : std::vector<std::string>{
           "{" + base + R"(,"rag_rated":{"rating":"RAG_RATING_RED"},"rag_rated":{}})",  // key twice
           "{" + base + R"(,"rag_rated":{"rating":1}})",                      // enum by number
           "{" + base + R"(,"rag_rated":{"rating":"RAG_RATING_CRIMSON"}})",   // unknown enum name
           "{" + base + R"(,"rag_rated":null})",                              // null
           "{" + base + R"(,"nonsense":{}})",                                 // unknown field
           "{" + base + R"(,"rag_rated":{},"case_closed":{}})",               // two payloads
           "{" + base + R"(,"child_details_recorded":{"name":"Zo\u00eb"}})",  // \u escape
           "{" + base + ",\"child_details_recorded\":{\"name\":\"Zo\xc3\xab\"}}",  // non-ASCII
           "{" + base + R"(,"pipeline_heartbeat":{"sequence":"12"}})",  // int64 as a string
           "{" + base + R"(,"pipeline_heartbeat":{"sequence":1.0}})",   // a float
           "{" + base + R"(,"pipeline_heartbeat":{"sequence":012}})",   // a leading zero
           R"({"event_id":"e1","occurred_at":"20 November 2026"})",     // not RFC 3339
           R"({"event_id":"e1"} trailing)",
           R"([{"event_id":"e1"}])",
       }) {
    EXPECT_FALSE(ParseCanonicalEventJson(odd)) << odd;
    auto parsed = ParseEventJson(odd);
    std::optional<std::string> reference = ProtobufParse(odd);
    EXPECT_EQ(parsed.ok(), reference.has_value()) << odd;
    if (parsed.ok() && reference) {
      EXPECT_EQ(parsed.value().SerializeAsString(), *reference) << odd;
    }
  }
  // The common escapes and an empty payload message are read by the fast path, as protobuf
  // reads them.
  for (const std::string& plain : std::vector<std::string>{
           "{" + base + R"(,"child_details_recorded":{"name":"A \"B\" C\\D\/E\nF\tG\rH"}})",
           "{" + base + R"(,"case_closed":{}})",
           " {\n" + base + " , \"rag_rated\" : { } }\n",
       }) {
    std::optional<Envelope> fast = ParseCanonicalEventJson(plain);
    ASSERT_TRUE(fast) << plain;
    EXPECT_EQ(fast->SerializeAsString(), ProtobufParse(plain).value()) << plain;
  }
}

}  // namespace
}  // namespace sightline::domain
