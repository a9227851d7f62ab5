// The triage API over HTTP: a read is held, with no thread, until its audit record is
// acknowledged; a record not in memory is read on the pool and audited once; only a few staff
// reads wait for a replica to catch up. The API's handlers themselves are in
// projector_api_test.cc.
#include <future>
#include <map>
#include <mutex>

#include <prometheus/metric_family.h>

#include "projector_api_fixture.h"
#include "sightline/http/client.h"

namespace sightline::projector::api_test {
namespace {

// The one metric of `family` with every label in `labels`; an empty metric if none.
prometheus::ClientMetric Collected(prometheus::Registry& registry, const std::string& family,
                                   const std::map<std::string, std::string>& labels) {
  for (const prometheus::MetricFamily& f : registry.Collect()) {
    if (f.name != family) continue;
    for (const prometheus::ClientMetric& m : f.metric) {
      std::size_t matched = 0;
      for (const prometheus::ClientMetric::Label& l : m.label) {
        auto it = labels.find(l.name);
        if (it != labels.end() && it->second == l.value) ++matched;
      }
      if (matched == labels.size()) return m;
    }
  }
  return {};
}

// Holds every batch of audit records until the test acknowledges it, as Kafka would.
class HoldingAudit final : public audit_log::AuditSink {
 public:
  Status Record(const audit::v1::AccessAudited&) override { return Status::Ok(); }
  void RecordAll(const std::vector<audit::v1::AccessAudited>& events,
                 std::function<void(Status)> done) override {
    std::lock_guard lock(mu);
    held.emplace_back(events, std::move(done));
  }
  std::mutex mu;
  std::vector<std::pair<std::vector<audit::v1::AccessAudited>, std::function<void(Status)>>> held;
};

TEST_F(ApiTest, OverHttpAReadIsHeldWithoutAThreadUntilItsAuditIsAcknowledged) {
  HoldingAudit audit;
  std::unique_ptr<TriageApi> api = MakeApi(StreamLimits{}, nullptr, {}, &audit);
  std::string base;
  auto server = Serve(*api, 1, base);
  ASSERT_NE(server, nullptr);
  auto get = [&](const std::string& path) { return http::Send(base, RequestAs("hos1", path)); };
  // Two reads on a one-thread pool: both are answered and held at once.
  auto child = std::async(std::launch::async, [&] { return get("/v1/children/child-q"); });
  auto queue = std::async(std::launch::async, [&] { return get("/v1/queue"); });
  ASSERT_TRUE(sightline::testing::WaitFor(
      [&] {
        std::lock_guard lock(audit.mu);
        return audit.held.size() == 2;
      },
      std::chrono::seconds(5)));
  EXPECT_EQ(child.wait_for(std::chrono::milliseconds(100)), std::future_status::timeout)
      << "nothing is shown before its audit record is acknowledged";
  std::lock_guard lock(audit.mu);
  for (auto& [records, done] : audit.held) {
    ASSERT_EQ(records.size(), 1u);
    // The child's read is acknowledged; the queue's audit fails, so the queue is not shown.
    if (records[0].endpoint() == "GET /v1/children/{id}") {
      EXPECT_EQ(records[0].child_id(), "child-q");
      done(Status::Ok());
    } else {
      EXPECT_EQ(records[0].endpoint(), "GET /v1/queue");
      done(Unavailable("audit topic down"));
    }
  }
  auto c = child.get();
  auto q = queue.get();
  ASSERT_TRUE(c.ok() && q.ok());
  EXPECT_EQ(c.value().status, 200);
  EXPECT_NE(c.value().body.find("chronology"), std::string::npos);
  EXPECT_EQ(q.value().status, 503);
  EXPECT_NE(q.value().body.find("nothing is shown unaudited"), std::string::npos);
  // Both answers were held for at least the 100 ms above, acknowledged or failed.
  prometheus::ClientMetric hold =
      Collected(metrics_.registry(), "sightline_projector_audit_hold_seconds", {});
  EXPECT_EQ(hold.histogram.sample_count, 2u);
  EXPECT_GE(hold.histogram.sample_sum, 0.2);
  EXPECT_EQ(Collected(metrics_.registry(), "sightline_projector_audit_events_total",
                      {{"outcome", "failed"}})
                .counter.value,
            1);
  server->Stop();
}

// ADR 0026: a child's record is read on the I/O thread when the store has it in memory. On a
// store just opened nothing is cached: the first read refuses to wait for the disk there, is
// thrown away unsent and unaudited, and is made again on the pool. Each read is answered in full
// and audited exactly once; the second, from memory, needs no pool.
TEST_F(ApiTest, ARecordNotInMemoryIsReadOnThePoolAndAuditedOnce) {
  std::string path = store_->path();
  ASSERT_TRUE(store_->Flush().ok());
  api_.reset();
  slot_.reset();
  store_.reset();
  auto reopened = storage::Store::Open(
      {.path = path, .column_families = ColumnFamilies(), .sync_writes = false});
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  store_ = std::move(reopened).value();
  slot_ = std::make_unique<StoreSlot>(store_);
  api_ = MakeApi(StreamLimits{});
  std::string base;
  auto server = Serve(*api_, 1, base);
  ASSERT_NE(server, nullptr);
  auto read = [&] { return http::Send(base, RequestAs("hos1", "/v1/children/child-q")); };
  auto audited = [&] {
    std::lock_guard lock(audit_.mu);
    return std::count_if(audit_.events.begin(), audit_.events.end(), [](const auto& e) {
      return e.endpoint() == "GET /v1/children/{id}" && e.child_id() == "child-q";
    });
  };
  auto counted = [&] {
    return Collected(metrics_.registry(), "sightline_projector_http_requests_total",
                     {{"endpoint", "child"}, {"code", "200"}})
        .counter.value;
  };
  auto cold = read();
  ASSERT_TRUE(cold.ok()) << cold.status().ToString();
  EXPECT_EQ(cold.value().status, 200) << cold.value().body;
  EXPECT_NE(cold.value().body.find("chronology"), std::string::npos);
  EXPECT_EQ(server->Stats().inline_retried, 1u) << "the cold read went to the pool";
  EXPECT_EQ(audited(), 1);
  EXPECT_EQ(counted(), 1) << "counted by the attempt that answered, on the pool";
  auto warm = read();
  ASSERT_TRUE(warm.ok()) << warm.status().ToString();
  EXPECT_EQ(warm.value().status, 200) << warm.value().body;
  EXPECT_EQ(warm.value().body.substr(warm.value().body.find("\"record\"")),
            cold.value().body.substr(cold.value().body.find("\"record\"")));
  EXPECT_EQ(server->Stats().inline_retried, 1u) << "the warm read was answered from memory";
  EXPECT_EQ(audited(), 2);
  EXPECT_EQ(counted(), 2) << "counted by the attempt that answered, on the I/O thread";
  server->Stop();
}

// ADR 0024: a read that must wait for this replica to catch up (X-Sightline-Not-Before) holds a
// handler thread, so only members of staff may wait, and only max_waiting_reads at once; the
// other handler threads go on answering.
TEST_F(ApiTest, OnlyAFewStaffReadsWaitForTheReplicaAndTheRestAreAnsweredMeanwhile) {
  Replica replica;
  ApiDeps deps = Deps();
  deps.consumer_status = replica.Status();
  deps.max_waiting_reads = 1;
  deps.not_before_wait = std::chrono::seconds(60);
  auto api = std::make_unique<TriageApi>(std::move(deps));
  std::string base;
  auto server = Serve(*api, 2, base);
  ASSERT_NE(server, nullptr);
  auto get = [&](const std::string& user, const std::string& not_before) {
    http::ClientRequest r = RequestAs(user, "/v1/children/child-q");
    if (!not_before.empty()) r.headers["X-Sightline-Not-Before"] = not_before;
    return http::Send(base, r);
  };
  // Already applied: no wait.
  auto now = get("hos1", "0:5");
  ASSERT_TRUE(now.ok());
  EXPECT_EQ(now.value().status, 200) << now.value().body;
  EXPECT_EQ(now.value().headers["x-sightline-applied"], "0:5");

  // Once the API has asked three more times, the read is polling inside its wait.
  const int before = replica.asked.load();
  auto waiting = std::async(std::launch::async, [&] { return get("hos1", "0:10"); });
  ASSERT_TRUE(sightline::testing::WaitFor([&] { return replica.asked.load() >= before + 3; },
                                          std::chrono::seconds(10)));
  // While it waits: a second waiter is turned away at once, a stranger's read is refused and
  // audited rather than made to wait, and a read that need not wait is answered.
  auto second = get("sw1", "0:10");
  auto stranger = get("", "0:10");
  auto plain = get("hos1", "");
  EXPECT_EQ(waiting.wait_for(std::chrono::milliseconds(0)), std::future_status::timeout)
      << "the waiting read was answered before the replica applied offset 10";
  ASSERT_TRUE(second.ok() && stranger.ok() && plain.ok());
  EXPECT_EQ(second.value().status, 503) << second.value().body;
  EXPECT_NE(second.value().body.find("enough reads are already waiting"), std::string::npos);
  EXPECT_EQ(second.value().headers["retry-after"], "1");
  EXPECT_EQ(stranger.value().status, 401) << stranger.value().body;
  EXPECT_EQ(plain.value().status, 200) << plain.value().body;
  // The replica catches up: the waiting read is answered with what it had applied.
  replica.applied = 10;
  auto waited = waiting.get();
  ASSERT_TRUE(waited.ok());
  EXPECT_EQ(waited.value().status, 200) << waited.value().body;
  EXPECT_EQ(waited.value().headers["x-sightline-applied"], "0:10");
  server->Stop();
}

}  // namespace
}  // namespace sightline::projector::api_test
