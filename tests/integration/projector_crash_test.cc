// The projector against a real broker: 100,000+ simulated events consumed while the process is
// SIGKILLed at random moments 20+ times, then compared with a clean single-pass rebuild and with
// a shuffled, duplicated copy of the stream; poison messages go to the dead-letter topic.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "broker.h"
#include "projector_harness.h"
#include "sightline/kafka/producer.h"
#include "sightline/kafka/reader.h"
#include "sightline/simulator/simulate.h"

namespace sightline::testing {
namespace {

namespace v1 = events::v1;

std::string UniqueTopic(const std::string& name) {
  return "test." + name + "." + std::to_string(getpid()) + "." +
         std::to_string(std::chrono::steady_clock::now().time_since_epoch().count() % 100000);
}

std::vector<v1::Envelope> County() {
  domain::SimulationParams p;
  p.seed = 20261123;
  p.start_day = std::chrono::sys_days{std::chrono::July / 6 / 2026};
  p.days = 80;
  p.contacts_per_day = 120;
  return domain::Simulate(p);
}

void Produce(const std::string& brokers, std::vector<kafka::OutboundMessage>& messages) {
  auto producer = kafka::Producer::Create({.brokers = brokers,
                                           .properties = {},
                                           .delivery_timeout = std::chrono::seconds(60),
                                           .client_id = "crash-test"});
  ASSERT_TRUE(producer.ok()) << producer.status().message();
  for (std::size_t i = 0; i < messages.size(); i += 10000) {
    std::size_t n = std::min<std::size_t>(10000, messages.size() - i);
    for (const kafka::Delivery& d :
         producer.value()->SendAndWait(std::span(messages).subspan(i, n))) {
      ASSERT_TRUE(d.status.ok()) << d.status.message();
    }
  }
}

kafka::OutboundMessage Message(const std::string& topic, const v1::Envelope& e) {
  kafka::OutboundMessage m{.topic = topic, .key = e.child_id(), .value = {}, .headers = {}};
  e.SerializeToString(&m.value);
  return m;
}

TEST(ProjectorCrashTest, SigkillsNeverChangeTheEndStateAndPoisonGoesToTheDeadLetterTopic) {
  std::string brokers = SharedBrokers();
  ASSERT_FALSE(brokers.empty()) << "run through `make test`, which starts a broker";
  std::string topic = UniqueTopic("crash");
  ASSERT_TRUE(ProjectorHarness::CreateTopics(brokers, topic));

  std::vector<v1::Envelope> events = County();
  ASSERT_GE(events.size(), 100000u);
  std::vector<kafka::OutboundMessage> messages;
  for (const v1::Envelope& e : events) messages.push_back(Message(topic, e));
  // Poison, spread through the stream: undecodable bytes, no known payload, an invalid event.
  v1::Envelope no_payload = events[10];
  no_payload.clear_payload();
  no_payload.set_event_id("poison-no-payload");
  v1::Envelope invalid = events[20];
  invalid.set_event_id("poison-invalid");
  invalid.mutable_rag_rated()->set_rating(v1::RAG_RATING_UNSPECIFIED);
  messages.insert(
      messages.begin() + 5000,
      kafka::OutboundMessage{
          .topic = topic, .key = "sim-child1", .value = "\xff\xfe not protobuf", .headers = {}});
  messages.insert(messages.begin() + 40000, Message(topic, no_payload));
  messages.insert(messages.begin() + 80000, Message(topic, invalid));
  // And some events sent twice (a client retry): skipped as duplicates.
  for (std::size_t i = 0; i < 2000; ++i) messages.push_back(Message(topic, events[i * 37]));
  Produce(brokers, messages);

  // Each SIGKILL lands once the projector has passed a random point of the stream (progress,
  // not elapsed time, places the kills: a faster projector must not escape them).
  ProjectorHarness crashing(brokers, "crash-run", topic);
  std::mt19937 rng(7);
  const auto total = static_cast<std::int64_t>(messages.size());
  std::vector<std::int64_t> kill_points;
  for (int i = 0; i < 22; ++i)
    kill_points.push_back(std::uniform_int_distribution<std::int64_t>(1, total * 9 / 10)(rng));
  std::sort(kill_points.begin(), kill_points.end());
  int kills_mid_stream = 0;
  for (std::int64_t point : kill_points) {
    ASSERT_TRUE(crashing.Start());
    std::int64_t applied = 0;
    ASSERT_TRUE(WaitFor([&] { return (applied = crashing.AppliedOffsets()) >= point; },
                        std::chrono::seconds(120)))
        << "stuck before offset " << point;
    crashing.Kill();
    if (applied < total) ++kills_mid_stream;
  }
  ASSERT_TRUE(crashing.Start());
  ASSERT_TRUE(crashing.WaitCaughtUp(std::chrono::seconds(300))) << crashing.Ready().dump();
  EXPECT_EQ(crashing.AppliedOffsets(), static_cast<std::int64_t>(messages.size()));
  EXPECT_EQ(crashing.Stop(), 0);
  EXPECT_GE(kills_mid_stream, 20) << "kills should land while consuming";

  // A clean, single-pass replay of the same topic.
  ProjectorHarness clean(brokers, "clean-run", topic);
  std::string out;
  ASSERT_EQ(clean.Command({"rebuild"}, out), 0) << out;
  EXPECT_NE(out.find("rebuild: done"), std::string::npos) << out;
  std::string want = clean.Digest();
  ASSERT_NE(want.find("sha256"), std::string::npos) << want;
  EXPECT_EQ(crashing.Digest(), want);

  // Poison went to the dead-letter topic with reason and source position; only once each
  // (the crash run and the rebuild each wrote theirs: at-least-once, deduplicable by position).
  auto dlq = kafka::ReadTopic(brokers, {}, topic + ".dlq", std::chrono::seconds(30));
  ASSERT_TRUE(dlq.ok()) << dlq.status().message();
  std::set<std::string> reasons;
  std::set<std::pair<std::string, std::string>> positions;
  for (const kafka::Record& r : dlq.value()) {
    std::map<std::string, std::string> h(r.headers.begin(), r.headers.end());
    reasons.insert(h["sightline-dlq-reason"]);
    positions.insert({h["sightline-dlq-source-partition"], h["sightline-dlq-source-offset"]});
    EXPECT_EQ(h["sightline-dlq-source-topic"], topic);
  }
  EXPECT_EQ(reasons, (std::set<std::string>{"undecodable", "unknown_type", "invalid"}));
  EXPECT_EQ(positions.size(), 3u);

  // The same events shuffled (within each child's partition too) and partly duplicated end in
  // the same projections.
  std::string shuffled_topic = topic + ".shuffled";
  ASSERT_TRUE(ProjectorHarness::CreateTopics(brokers, shuffled_topic));
  std::vector<kafka::OutboundMessage> shuffled;
  for (const v1::Envelope& e : events) shuffled.push_back(Message(shuffled_topic, e));
  for (std::size_t i = 0; i < events.size(); i += 5)
    shuffled.push_back(Message(shuffled_topic, events[i]));
  std::shuffle(shuffled.begin(), shuffled.end(), rng);
  Produce(brokers, shuffled);
  ProjectorHarness messy(brokers, "shuffled-run", shuffled_topic);
  ASSERT_EQ(messy.Command({"rebuild"}, out), 0) << out;
  std::string messy_digest = messy.Digest();
  EXPECT_EQ(messy_digest, want);
}

}  // namespace
}  // namespace sightline::testing
