// The gateway against a real Kafka broker: what it acknowledges is on the topic, what it rejects
// is not, and a broker outage costs nothing it acknowledged.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>

#include "broker.h"
#include "gateway_harness.h"
#include "sightline/events/v1/envelope.pb.h"
#include "sightline/kafka/partitioner.h"

namespace sightline::testing {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

std::string Shared() {
  std::string b = SharedBrokers();
  if (b.empty()) {
    ADD_FAILURE() << "no broker: run through `make test` (it starts one) or set "
                     "SIGHTLINE_TEST_BROKERS";
  }
  return b;
}

class GatewayKafka : public ::testing::Test {
 protected:
  void SetUp() override {
    brokers_ = Shared();
    ASSERT_FALSE(brokers_.empty());
    gateway_ = std::make_unique<GatewayHarness>(brokers_, "gw", 10000);
    ASSERT_TRUE(gateway_->CreateTopic());
    ASSERT_TRUE(gateway_->Start());
    ASSERT_TRUE(
        WaitFor([&] { return gateway_->GetStatus("/readyz") == 200; }, std::chrono::seconds(20)));
  }
  std::string brokers_;
  std::unique_ptr<GatewayHarness> gateway_;
};

TEST_F(GatewayKafka, ValidEventIsAcknowledgedAndReadableFromTheTopic) {
  auto r = gateway_->Post(ContactJson("ev-ok-1", "child-42"));
  ASSERT_EQ(r.status, 202) << r.body;
  json body = json::parse(r.body);
  ASSERT_EQ(body["accepted"], 1);
  int partition = body["events"][0]["partition"];
  std::int64_t offset = body["events"][0]["offset"];

  auto records = gateway_->ReadAll();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].partition, partition);
  EXPECT_EQ(records[0].offset, offset);
  EXPECT_EQ(records[0].key, "child-42");
  events::v1::Envelope e;
  ASSERT_TRUE(e.ParseFromString(records[0].value));
  EXPECT_EQ(e.event_id(), "ev-ok-1");
  EXPECT_EQ(e.contact_received().source(), events::v1::AGENCY_SCHOOL);
  EXPECT_TRUE(e.has_recorded_at()) << "the gateway stamps recorded_at";
  std::map<std::string, std::string> headers(records[0].headers.begin(), records[0].headers.end());
  EXPECT_EQ(headers["sightline-event-type"], "contact_received");
}

// Each child on one partition, and the one murmur2 of its id gives (as the Java client and every
// consumer's partition check compute it): a topic handle made with librdkafka's own defaults once
// put events on consistent_random's partitions, and every consumer dead-lettered them.
TEST_F(GatewayKafka, NdjsonBatchKeepsEachChildOnItsMurmur2Partition) {
  std::string batch;
  for (int i = 0; i < 12; ++i) {
    batch += ContactJson("ev-b-" + std::to_string(i), "child-" + std::to_string(i % 3)) + "\n";
  }
  auto r = gateway_->Post(batch, "application/x-ndjson");
  ASSERT_EQ(r.status, 202) << r.body;
  auto records = gateway_->ReadAll();
  ASSERT_EQ(records.size(), 12u);
  std::map<std::string, std::set<int>> partitions;
  for (const auto& rec : records) partitions[rec.key].insert(rec.partition);
  for (const auto& [child, ps] : partitions) {
    EXPECT_EQ(ps.size(), 1u) << child;
    EXPECT_EQ(*ps.begin(), kafka::PartitionFor(child, 3)) << child;
  }
}

struct BadInput {
  std::string name;
  std::string body;
  std::string content_type;
  int status;
  std::string field;   // Expected field of the first error ("" for the body as a whole).
  std::string reason;  // Part of the reason or message.
};

TEST_F(GatewayKafka, EachClassOfBadInputIsRejectedPreciselyAndNothingReachesTheTopic) {
  std::string valid = ContactJson("ev-bad-0", "child-1");
  auto replace = [&](const std::string& from, const std::string& to) {
    std::string s = valid;
    s.replace(s.find(from), from.size(), to);
    return s;
  };
  std::vector<BadInput> cases = {
      {"malformed JSON", R"({"eventId":"x",)", "application/json", 400, "", "malformed JSON"},
      {"unknown event type", replace("contactReceived", "childTeleported"), "application/json", 400,
       "childTeleported", "unknown field or event type"},
      {"missing child id", replace(R"("childId":"child-1",)", ""), "application/json", 400,
       "child_id", "required"},
      {"UNSPECIFIED enum",
       replace(R"("source":"AGENCY_SCHOOL")", R"("source":"AGENCY_UNSPECIFIED")"),
       "application/json", 400, "contact_received.source", "AGENCY_UNSPECIFIED"},
      {"impossible timestamp", replace("2026-11-02T09:00:00Z", "2026-02-31T09:00:00Z"),
       "application/json", 400, "occurred_at", "Invalid time format"},
      {"future timestamp", replace("2026-11-02T09:00:00Z", "2099-01-01T00:00:00Z"),
       "application/json", 400, "occurred_at", "in the future"},
      {"one bad line spoils the batch", valid + "\n" + replace(R"("childId":"child-1",)", ""),
       "application/x-ndjson", 400, "child_id", "required"},
      {"oversized body", std::string(70000, ' ') + valid, "application/json", 413, "", "too large"},
      {"too many events",
       [&] {
         std::string b;
         for (int i = 0; i < 51; ++i) b += ContactJson("ev-many-" + std::to_string(i), "c") + "\n";
         return b;
       }(),
       "application/x-ndjson", 413, "", "at most 50"},
      {"wrong content type", valid, "text/plain", 415, "", "application/json"},
  };
  for (const BadInput& c : cases) {
    SCOPED_TRACE(c.name);
    auto r = gateway_->Post(c.body, c.content_type);
    EXPECT_EQ(r.status, c.status) << r.body;
    json body = json::parse(r.body, nullptr, false);
    ASSERT_TRUE(body.is_object()) << r.body;
    if (c.status == 400 && body.contains("rejected")) {
      json first = body["rejected"].back()["errors"][0];
      EXPECT_EQ(first["field"], c.field) << r.body;
      EXPECT_THAT(first["reason"].get<std::string>(), HasSubstr(c.reason));
      EXPECT_THAT(body["message"].get<std::string>(), HasSubstr("nothing was written"));
    } else {
      EXPECT_THAT(r.body, HasSubstr(c.reason));
    }
  }
  EXPECT_TRUE(gateway_->ReadAll().empty()) << "a rejected request wrote to the topic";
}

TEST_F(GatewayKafka, HealthReadinessAndMetrics) {
  EXPECT_EQ(gateway_->GetStatus("/healthz"), 200);
  EXPECT_EQ(gateway_->GetStatus("/readyz"), 200);
  ASSERT_EQ(gateway_->Post(ContactJson("ev-m-1", "child-9")).status, 202);
  ASSERT_EQ(gateway_->Post("{", "application/json").status, 400);
  auto metrics = gateway_->Get("/metrics");
  ASSERT_EQ(metrics.status, 200);
  EXPECT_THAT(
      metrics.body,
      HasSubstr(R"(sightline_gateway_events_total{outcome="accepted",type="contact_received"} 1)"));
  EXPECT_THAT(metrics.body,
              HasSubstr(R"(sightline_gateway_events_total{outcome="rejected",type="invalid"} 1)"));
  EXPECT_THAT(
      metrics.body,
      HasSubstr(R"(sightline_gateway_http_requests_total{code="202",endpoint="/v1/events"} 1)"));
  EXPECT_THAT(metrics.body, HasSubstr("sightline_gateway_produce_latency_seconds_count 1"));
  EXPECT_THAT(metrics.body, HasSubstr("sightline_gateway_kafka_ready 1"));
}

// The broker goes away and comes back. The gateway answers 503 while it is gone, and every
// event it acknowledged (before, during, after) is on the topic exactly once.
TEST(GatewayOutage, BrokerDownAnswers503AndLosesNothingAcknowledged) {
  OwnBroker broker;
  ASSERT_TRUE(broker.Start()) << "could not start a private broker";
  GatewayHarness gateway(broker.brokers(), "outage", 3000);
  ASSERT_TRUE(gateway.CreateTopic());
  ASSERT_TRUE(gateway.Start());
  ASSERT_TRUE(
      WaitFor([&] { return gateway.GetStatus("/readyz") == 200; }, std::chrono::seconds(20)));

  std::vector<std::string> acknowledged;
  std::vector<std::string> refused;
  auto send = [&](const std::string& id) {
    auto r = gateway.Post(ContactJson(id, "child-" + id));
    if (r.status == 202) acknowledged.push_back(id);
    if (r.status == 503) refused.push_back(id);
    return r.status;
  };
  for (int i = 0; i < 5; ++i) ASSERT_EQ(send("before-" + std::to_string(i)), 202);

  ASSERT_TRUE(broker.Stop());
  for (int i = 0; i < 3; ++i) EXPECT_EQ(send("during-" + std::to_string(i)), 503);
  EXPECT_EQ(gateway.GetStatus("/readyz"), 503);

  ASSERT_TRUE(broker.Start()) << "could not restart the broker";
  ASSERT_TRUE(
      WaitFor([&] { return gateway.GetStatus("/readyz") == 200; }, std::chrono::seconds(60)));
  // The client's duty after a 503: resend, with the same event_id.
  for (const std::string& id : std::vector<std::string>(refused)) {
    ASSERT_TRUE(WaitFor([&] { return send(id) == 202; }, std::chrono::seconds(30))) << id;
  }
  for (int i = 0; i < 5; ++i) ASSERT_EQ(send("after-" + std::to_string(i)), 202);

  std::map<std::string, int> on_topic;
  for (const auto& rec : gateway.ReadAll()) {
    events::v1::Envelope e;
    ASSERT_TRUE(e.ParseFromString(rec.value));
    on_topic[e.event_id()]++;
  }
  EXPECT_EQ(acknowledged.size(), 13u);
  for (const std::string& id : acknowledged) {
    EXPECT_EQ(on_topic[id], 1) << id << " acknowledged but found " << on_topic[id] << " times";
  }
  EXPECT_EQ(on_topic.size(), acknowledged.size()) << "an event nobody acknowledged is on the topic";
}

}  // namespace
}  // namespace sightline::testing
