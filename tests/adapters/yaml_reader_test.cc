#include "sightline/config/yaml_reader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace sightline::config {
namespace {

using ::testing::HasSubstr;

YamlReader Load(const std::string& text) {
  auto r = YamlReader::FromString(text, "test.yaml");
  EXPECT_TRUE(r.ok()) << r.status().message();
  return std::move(r).value();
}

TEST(YamlReader, ReadsTypedValuesWithDefaults) {
  YamlReader y = Load("http:\n  port: 9000\nkafka:\n  properties:\n    security.protocol: ssl\n");
  EXPECT_EQ(y.Int("http.port", 1, 0, 65535), 9000);
  EXPECT_EQ(y.String("http.listen_address", "127.0.0.1"), "127.0.0.1");
  EXPECT_EQ(y.StringMap("kafka.properties").at("security.protocol"), "ssl");
  EXPECT_TRUE(y.Finish().ok()) << y.Finish().message();
}

// Found by fuzz_policy_yaml: a key that is itself a list or map threw out of Finish().
TEST(YamlReader, KeysThatAreNotNamesAreRefusedNotThrown) {
  YamlReader y = Load("http:\n  ? [a, b]\n  : 1\nkafka:\n  properties:\n    {x: 1}: y\n");
  (void)y.StringMap("kafka.properties");
  Status s = y.Finish();
  EXPECT_FALSE(s.ok());
  EXPECT_THAT(s.message(), HasSubstr("http.(a key that is not a plain name)"));
  EXPECT_THAT(s.message(), HasSubstr("kafka.properties: names must be plain scalars"));
}

TEST(YamlReader, MisspeltKeyStopsStartUpNamingIt) {
  YamlReader y = Load("http:\n  prot: 9000\n");
  EXPECT_EQ(y.Int("http.port", 8080, 0, 65535), 8080);
  Status s = y.Finish();
  EXPECT_FALSE(s.ok());
  EXPECT_THAT(s.message(), HasSubstr("test.yaml"));
  EXPECT_THAT(s.message(), HasSubstr("http.prot: unknown key"));
}

TEST(YamlReader, OutOfRangeAndWrongTypeAreNamed) {
  YamlReader y = Load("a: 70000\nb: lots\nc: maybe\n");
  y.Int("a", 0, 0, 65535);
  y.Int("b", 0, 0, 10);
  y.Bool("c", false);
  Status s = y.Finish();
  EXPECT_THAT(s.message(), HasSubstr("a: must be between 0 and 65535, got 70000"));
  EXPECT_THAT(s.message(), HasSubstr("b: must be a whole number, got 'lots'"));
  EXPECT_THAT(s.message(), HasSubstr("c: must be true or false"));
}

TEST(YamlReader, ListsAndBrokenYaml) {
  YamlReader y = Load("topics:\n  - name: a\n    partitions: 3\n  - name: b\n    extra: 1\n");
  ASSERT_EQ(y.ListSize("topics"), 2u);
  EXPECT_EQ(y.String("topics[1].name", ""), "b");
  EXPECT_EQ(y.Int("topics[0].partitions", 0, 1, 10), 3);
  y.String("topics[0].name", "");
  EXPECT_THAT(y.Finish().message(), HasSubstr("topics[1].extra: unknown key"));
  EXPECT_FALSE(YamlReader::FromString("a: [1, 2", "x.yaml").ok());
  EXPECT_FALSE(YamlReader::FromFile("/nonexistent/sightline.yaml").ok());
}

// yaml-cpp keeps both entries of a key given twice and finds the first, so an operator who adds
// a line further down would see it ignored. The file is refused instead, naming the key.
TEST(YamlReader, AKeyGivenTwiceIsRefusedNamingIt) {
  struct Case {
    std::string text, key;
  } cases[] = {
      {"http:\n  port: 9000\nkafka:\n  brokers: a:9092\nhttp:\n  port: 9001\n", "http"},
      {"http:\n  port: 9000\n  host: 0.0.0.0\n  port: 9001\n", "http.port"},
      {"topics:\n  - name: a\n  - name: b\n    name: c\n", "topics[1].name"},
  };
  for (const Case& c : cases) {
    auto r = YamlReader::FromString(c.text, "test.yaml");
    ASSERT_FALSE(r.ok()) << c.text;
    EXPECT_THAT(r.status().message(), HasSubstr("test.yaml: " + c.key + ": given twice"));
  }
  // The same key in different mappings is not a key twice.
  YamlReader y = Load("a:\n  port: 1\nb:\n  port: 2\nlist:\n  - port: 3\n  - port: 4\n");
  EXPECT_EQ(y.Int("b.port", 0, 0, 10), 2);
}

}  // namespace
}  // namespace sightline::config
