// The projector's JSON: the reflection writer against protobuf's own JSON for every record of a
// simulated county, and JsonOut's escaping, UTF-8 repair, commas and times.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>
#include <vector>

#include <google/protobuf/util/time_util.h>

#include "api_json.h"
#include "projector_api_fixture.h"

namespace sightline::projector::api_test {
namespace {

TEST(ApiJson, ReflectionJsonIsProtobufsOwnJsonForEveryRecordOfASimulatedCounty) {
  domain::SimulationParams params;
  params.seed = 15;
  params.days = 40;
  params.contacts_per_day = 40;
  std::map<std::string, std::vector<v1::Envelope>> by_child;
  for (const v1::Envelope& e : domain::Simulate(params)) by_child[e.child_id()].push_back(e);
  domain::Calendar calendar;
  domain::ProjectionPolicy policy;
  std::size_t compared = 0;
  for (const auto& [child, events] : by_child) {
    projections::v1::ChildRecord record = domain::FoldChild(child, events, calendar, policy);
    projections::v1::ChildSummary summary = domain::Summarise(record);
    for (const google::protobuf::Message* m :
         std::initializer_list<const google::protobuf::Message*>{&record, &summary}) {
      auto built = api_json::FromProtoByReflection(*m);
      ASSERT_TRUE(built) << child << " " << m->GetDescriptor()->name();
      ASSERT_EQ(*built, api_json::FromProtoViaText(*m))
          << child << " " << m->GetDescriptor()->name();
      ++compared;
    }
    for (const v1::Envelope& e : events) {
      auto built = api_json::FromProtoByReflection(e);
      ASSERT_TRUE(built) << e.event_id();
      ASSERT_EQ(*built, api_json::FromProtoViaText(e)) << e.event_id();
    }
    // Bytes fields are left to protobuf's printer (base64), with the same result.
    projections::v1::OwnedRows owned = domain::OwnedRowsOf(record, summary);
    EXPECT_FALSE(api_json::FromProtoByReflection(owned));
    ASSERT_EQ(api_json::FromProto(owned), api_json::FromProtoViaText(owned)) << child;
  }
  EXPECT_GT(compared, 1000u);
}

std::string Written(std::string_view s) {
  std::string out;
  JsonOut(out).String(s);
  return out;
}

TEST(JsonOut, EscapesWhatJsonNeedsAndKeepsWellFormedUtf8) {
  EXPECT_EQ(Written("plain"), "\"plain\"");
  EXPECT_EQ(Written("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(Written("\n\r\t\b\f"), "\"\\n\\r\\t\\b\\f\"");
  EXPECT_EQ(Written(std::string("\x01\x1f\0", 3)), "\"\\u0001\\u001f\\u0000\"");
  // Two-, three- and four-byte characters pass as they are.
  EXPECT_EQ(Written("Zoë 李 😀"), "\"Zoë 李 😀\"");
  // Every string parses back to itself.
  for (const std::string& s :
       {std::string("x\"\\\n\x7f"), std::string("Siobhán O'Brien"), std::string("\xe2\x80\xa8")})
    EXPECT_EQ(api_json::json::parse(Written(s)).get<std::string>(), s);
}

TEST(JsonOut, BytesThatAreNotUtf8BecomeTheReplacementCharacter) {
  const std::string kBad[] = {
      "\xc0\x80",          // overlong NUL
      "\xe0\x80\xaf",      // overlong '/'
      "\xed\xa0\x80",      // a UTF-16 surrogate
      "\xf4\x90\x80\x80",  // past U+10FFFF
      "\xf5",              // never a lead byte
      "\x80",              // a continuation alone
      "\xe2\x82",          // cut short
  };
  for (const std::string& bad : kBad) {
    std::string text = Written("a" + bad + "b");
    EXPECT_TRUE(api_json::json::accept(text)) << text;
    EXPECT_EQ(text.find(bad), std::string::npos) << text;
    EXPECT_NE(text.find("\\ufffd"), std::string::npos) << text;
    EXPECT_EQ(text.front(), '"');
    EXPECT_EQ(text.substr(text.size() - 2), "b\"");
  }
}

TEST(JsonOut, PlacesCommasAndFallsBackToProtobufsPrinterWhereItCannotWrite) {
  projections::v1::OwnedRows owned;  // Has bytes fields: JsonOut leaves those to protobuf.
  owned.add_queue_keys("\x01\xff");
  std::string probe;
  EXPECT_FALSE(JsonOut(probe).Message(owned));
  std::string out;
  JsonOut v(out);
  v.BeginObject();
  v.Key("n").Int(-42);
  v.Key("list").BeginArray().Int(1).Bool(false).String("x").BeginObject().EndObject().EndArray();
  v.Key("owned").Proto(owned);
  v.Key("after").Bool(true);
  v.EndObject();
  api_json::json expected = {{"n", -42},
                             {"list", {1, false, "x", api_json::json::object()}},
                             {"owned", api_json::FromProtoViaText(owned)},
                             {"after", true}};
  EXPECT_EQ(api_json::json::parse(out), expected) << out;
}

TEST(JsonOut, TimesAreWrittenAsProtobufWritesThem) {
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<std::int64_t> secs(kMinTimestampSeconds, kMaxTimestampSeconds);
  std::vector<std::pair<std::int64_t, std::int32_t>> cases = {
      {0, 0},
      {kMinTimestampSeconds, 0},
      {kMaxTimestampSeconds, 999'999'999},
      {-1, 1},                       // The last second before 1970, and a fraction of it.
      {951'782'400, 120'000'000},    // 2000-02-29, a leap day.
      {1'772'452'800, 5'000},        // Microseconds.
      {4'107'542'399, 999'000'000},  // 2100-02-28T23:59:59.999, 2100 not a leap year.
  };
  for (int i = 0; i < 20000; ++i) {
    std::int32_t nanos = 0;
    switch (i % 4) {
      case 1:
        nanos = static_cast<std::int32_t>(rng() % 1000) * 1'000'000;
        break;
      case 2:
        nanos = static_cast<std::int32_t>(rng() % 1'000'000) * 1'000;
        break;
      case 3:
        nanos = static_cast<std::int32_t>(rng() % 1'000'000'000);
        break;
      default:
        break;
    }
    cases.emplace_back(secs(rng), nanos);
  }
  for (auto [s, n] : cases) {
    google::protobuf::Timestamp t;
    t.set_seconds(s);
    t.set_nanos(n);
    std::string out;
    JsonOut(out).Time(t);
    ASSERT_EQ(out, "\"" + google::protobuf::util::TimeUtil::ToString(t) + "\"") << s << " " << n;
  }
  // Outside the range, protobuf's own answer.
  google::protobuf::Timestamp far;
  far.set_seconds(kMaxTimestampSeconds + 1);
  std::string out;
  JsonOut(out).Time(far);
  EXPECT_EQ(out, "\"" + google::protobuf::util::TimeUtil::ToString(far) + "\"");
}

}  // namespace
}  // namespace sightline::projector::api_test
