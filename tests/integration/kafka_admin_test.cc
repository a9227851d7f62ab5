// kafka::EnsureTopics against a real broker: harnesses and `sightlinectl topics` call it for a
// topic another client created a moment before, when the controller already says "exists" but
// the broker answering metadata may not know the topic yet (CI once failed on exactly that).
#include <gtest/gtest.h>
#include <unistd.h>

#include <map>
#include <string>
#include <thread>

#include "broker.h"
#include "sightline/kafka/admin.h"

namespace sightline {
namespace {

using std::chrono::seconds;

kafka::TopicSpec Spec(const std::string& name, int partitions) {
  return {.name = name, .partitions = partitions, .replication_factor = 1, .config = {}};
}

TEST(KafkaAdminTest, ATopicJustCreatedByAnotherClientIsReportedAsExistingNotUnknown) {
  std::string brokers = testing::SharedBrokers();
  ASSERT_FALSE(brokers.empty()) << "run through `make test`, which starts a broker";
  for (int i = 0; i < 24; ++i) {
    std::string topic = "test.admin." + std::to_string(getpid()) + "." + std::to_string(i);
    // Two clients at once, then one right after: each must succeed, and exactly one created it.
    StatusOr<std::map<std::string, std::string>> first = Unavailable("not run"),
                                                 second = Unavailable("not run");
    std::thread other(
        [&] { second = kafka::EnsureTopics(brokers, {}, {Spec(topic, 3)}, seconds(30)); });
    first = kafka::EnsureTopics(brokers, {}, {Spec(topic, 3)}, seconds(30));
    other.join();
    auto third = kafka::EnsureTopics(brokers, {}, {Spec(topic, 3)}, seconds(30));
    ASSERT_TRUE(first.ok()) << "round " << i << ": " << first.status().message();
    ASSERT_TRUE(second.ok()) << "round " << i << ": " << second.status().message();
    ASSERT_TRUE(third.ok()) << "round " << i << ": " << third.status().message();
    int created = (first.value().at(topic) == "created") + (second.value().at(topic) == "created");
    EXPECT_EQ(created, 1) << "round " << i;
    EXPECT_EQ(third.value().at(topic), "exists");
  }
}

TEST(KafkaAdminTest, AnExistingTopicWithOtherPartitionsIsRefusedWithTheCounts) {
  std::string brokers = testing::SharedBrokers();
  ASSERT_FALSE(brokers.empty()) << "run through `make test`, which starts a broker";
  std::string topic = "test.admin-partitions." + std::to_string(getpid());
  ASSERT_TRUE(kafka::EnsureTopics(brokers, {}, {Spec(topic, 2)}, seconds(30)).ok());
  auto again = kafka::EnsureTopics(brokers, {}, {Spec(topic, 3)}, seconds(30));
  ASSERT_FALSE(again.ok());
  EXPECT_NE(again.status().message().find("exists with 2 partitions, configured 3"),
            std::string::npos)
      << again.status().message();
}

}  // namespace
}  // namespace sightline
