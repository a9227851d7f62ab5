// Rebuilding the projection while the projector serves (ADR 0016), against a real broker: readers
// call the triage API throughout a rebuild and its switch while events keep arriving. No request
// may fail, and no answer may be older than one given before it (a probe child's contact count
// never goes down). Afterwards the store is the one a clean offline rebuild of the same topic
// makes, the old store is gone, and a restart opens the new one.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "broker.h"
#include "projector_harness.h"
#include "sightline/core/time.h"
#include "sightline/crypto/digest.h"
#include "sightline/kafka/producer.h"
#include "sightline/simulator/simulate.h"

namespace sightline::testing {
namespace {

namespace v1 = events::v1;
using nlohmann::json;

std::string TokenOf(const std::string& who) {
  return "online-rebuild-test-token-of-" + who + "-0123456789abcdef0123456789";
}

// Stops and joins the test's threads however the test ends (an ASSERT returns early).
struct Threads {
  std::vector<std::atomic<bool>*> stops;
  std::vector<std::thread> threads;
  ~Threads() { JoinAll(); }
  void JoinAll() {
    for (std::atomic<bool>* s : stops) *s = true;
    for (std::thread& t : threads)
      if (t.joinable()) t.join();
  }
};

http::ClientResponse Call(const std::string& url, const std::string& method,
                          const std::string& path, const std::string& who,
                          const std::string& body = "") {
  http::ClientRequest r;
  r.method = method;
  r.path = path;
  r.body = body;
  r.content_type = "application/json";
  r.headers["Authorization"] = "Bearer " + TokenOf(who);
  auto answer = http::Send(url, r);
  if (!answer.ok()) {
    http::ClientResponse none;
    none.status = 0;
    none.body = answer.status().message();
    return none;
  }
  return answer.value();
}

kafka::OutboundMessage Message(const std::string& topic, const v1::Envelope& e) {
  kafka::OutboundMessage m{.topic = topic, .key = e.child_id(), .value = {}, .headers = {}};
  e.SerializeToString(&m.value);
  return m;
}

// The probe child's n-th contact: each one adds one to its record's contact count.
v1::Envelope ProbeContact(int n) {
  v1::Envelope e;
  e.set_event_id("probe-contact-" + std::to_string(n));
  e.set_child_id("probe-child");
  e.set_household_id("probe-household");
  *e.mutable_occurred_at() = ToTimestamp(
      Instant(std::chrono::sys_days{std::chrono::November / 2 / 2026}) + std::chrono::minutes(n));
  *e.mutable_recorded_at() = e.occurred_at();
  e.mutable_actor()->set_user_id("p1");
  e.mutable_actor()->set_role(v1::ROLE_MASH_PRACTITIONER);
  e.mutable_actor()->set_team_id("mash");
  e.set_source_agency(v1::AGENCY_POLICE);
  e.mutable_refs()->set_contact_id("probe-contact-" + std::to_string(n));
  e.mutable_contact_received()->set_source(v1::AGENCY_POLICE);
  e.mutable_contact_received()->add_concerns(v1::CONCERN_CATEGORY_NEGLECT);
  e.mutable_contact_received()->set_summary("probe");
  return e;
}

TEST(ProjectorOnlineRebuild, RequestsNeverFailOrGoBackInTimeAcrossARebuildAndSwitch) {
  std::string brokers = SharedBrokers();
  ASSERT_FALSE(brokers.empty()) << "run through `make test`, which starts a broker";
  std::string topic = "test.online-rebuild." + std::to_string(getpid());
  ASSERT_TRUE(ProjectorHarness::CreateTopics(brokers, topic));
  auto producer = kafka::Producer::Create({.brokers = brokers,
                                           .properties = {},
                                           .delivery_timeout = std::chrono::seconds(60),
                                           .client_id = "online-rebuild-test"});
  ASSERT_TRUE(producer.ok()) << producer.status().message();
  // Where each partition ends after the test's acknowledged writes.
  std::mutex ends_mu;
  std::map<std::int32_t, std::int64_t> ends;
  auto send = [&](const std::vector<kafka::OutboundMessage>& batch) {
    std::vector<kafka::Delivery> deliveries = producer.value()->SendAndWait(batch);
    std::lock_guard lock(ends_mu);
    for (const kafka::Delivery& d : deliveries) {
      if (!d.status.ok()) return false;
      ends[d.partition] = std::max(ends[d.partition], d.offset + 1);
    }
    return true;
  };

  domain::SimulationParams p;
  p.seed = 16;
  p.start_day = std::chrono::sys_days{std::chrono::September / 7 / 2026};
  p.days = 40;
  p.contacts_per_day = 100;
  std::vector<v1::Envelope> county = domain::Simulate(p);
  ASSERT_GT(county.size(), 30000u);
  // Two thirds before the service starts; the rest arrives during the rebuild.
  const std::size_t before = county.size() * 2 / 3;
  std::vector<kafka::OutboundMessage> first;
  for (std::size_t i = 0; i < before; ++i) first.push_back(Message(topic, county[i]));
  first.push_back(Message(topic, ProbeContact(0)));
  ASSERT_TRUE(send(first));

  // The queue the API serves (the queue view, merged batch by batch) holds exactly the children
  // the line-of-sight figures, read from every stored summary, count as awaiting a decision.
  auto queue_matches_summaries = [&](ProjectorHarness& projector) {
    http::ClientResponse q = Call(projector.url(), "GET", "/v1/queue?limit=1", "hos1");
    http::ClientResponse los = Call(projector.url(), "GET", "/v1/line-of-sight", "hos1");
    EXPECT_EQ(q.status, 200) << q.body;
    EXPECT_EQ(los.status, 200) << los.body;
    if (q.status != 200 || los.status != 200) return;
    json figures = json::parse(los.body);
    int awaiting = figures["awaiting_decision"]["count"].get<int>() +
                   figures["hidden"]["awaiting_decision"].get<int>();
    EXPECT_GT(awaiting, 0);
    EXPECT_EQ(json::parse(q.body)["total"].get<int>(), awaiting);
  };
  std::string users;
  for (auto [id, role, team] : std::vector<std::tuple<std::string, std::string, std::string>>{
           {"p1", "mash_practitioner", "mash"}, {"hos1", "head_of_service", "svc"}})
    users += "\n    - {id: " + id + ", role: " + role + ", team: " + team +
             ", token_sha256: " + crypto::Sha256Hex(TokenOf(id)) + "}";
  ProjectorHarness projector(brokers, "online-rebuild", topic, users);
  ASSERT_TRUE(projector.Start());
  // Read the queue while the projector is still catching up, so that its view is loaded early
  // and most batches are merged into it.
  EXPECT_EQ(Call(projector.url(), "GET", "/v1/queue?limit=1", "hos1").status, 200);
  ASSERT_TRUE(projector.WaitCaughtUp(std::chrono::seconds(120))) << projector.Ready().dump();
  queue_matches_summaries(projector);
  const std::string old_store =
      std::filesystem::canonical(projector.dir() + "/data/current").string();

  // Readers, from before the rebuild until after its switch.
  std::atomic<bool> stop_reading{false};
  std::mutex mu;
  std::vector<std::string> failures;
  std::atomic<int> reads{0}, reads_after_switch{0};
  std::atomic<bool> switched{false};
  auto failed = [&](const std::string& what) {
    std::lock_guard lock(mu);
    if (failures.size() < 20) failures.push_back(what);
  };
  Threads readers{.stops = {&stop_reading}, .threads = {}};
  readers.threads.emplace_back([&] {  // The probe: its contact count must never go down.
    int seen = 0;
    while (!stop_reading) {
      http::ClientResponse r = Call(projector.url(), "GET", "/v1/children/probe-child", "hos1");
      ++reads;
      if (switched) ++reads_after_switch;
      if (r.status != 200) {
        failed("child: " + std::to_string(r.status) + " " + r.body);
        continue;
      }
      int contacts = json::parse(r.body)["record"].value("contacts", 0);
      if (contacts < seen)
        failed("stale answer: " + std::to_string(contacts) + " contacts after " +
               std::to_string(seen));
      seen = std::max(seen, contacts);
    }
  });
  for (const std::string path : {"/v1/queue?limit=20", "/v1/line-of-sight"}) {
    readers.threads.emplace_back([&, path] {
      while (!stop_reading) {
        http::ClientResponse r = Call(projector.url(), "GET", path, "hos1");
        ++reads;
        if (switched) ++reads_after_switch;
        if (r.status != 200) failed(path + ": " + std::to_string(r.status) + " " + r.body);
      }
    });
  }
  // Ingest during the rebuild: the rest of the county in batches, and probe contacts one at a
  // time as fast as they are acknowledged (so a store even a little behind shows fewer).
  std::atomic<bool> stop_writing{false};
  std::atomic<bool> write_failed{false};
  std::atomic<int> probes_acked{1};  // ProbeContact(0) went with the first two thirds.
  Threads writer{.stops = {&stop_writing}, .threads = {}};
  writer.threads.emplace_back([&] {
    std::size_t next = before;
    while (!stop_writing && next < county.size()) {
      std::vector<kafka::OutboundMessage> batch;
      for (std::size_t i = 0; i < 200 && next < county.size(); ++i, ++next)
        batch.push_back(Message(topic, county[next]));
      if (!send(batch)) write_failed = true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    std::vector<kafka::OutboundMessage> rest;
    for (; next < county.size(); ++next) rest.push_back(Message(topic, county[next]));
    if (!send(rest)) write_failed = true;
  });
  writer.threads.emplace_back([&] {
    for (int n = probes_acked; !stop_writing; ++n) {
      if (!send({Message(topic, ProbeContact(n))})) write_failed = true;
      probes_acked = n + 1;
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(500));

  // Only the rebuild roles may start one; a second request while it runs is refused.
  EXPECT_EQ(Call(projector.url(), "POST", "/v1/admin/rebuild", "p1").status, 403);
  http::ClientResponse started = Call(projector.url(), "POST", "/v1/admin/rebuild", "hos1", "{}");
  ASSERT_EQ(started.status, 202) << started.body;
  const int reads_at_start = reads;
  EXPECT_EQ(json::parse(started.body)["requested_by"], "hos1");
  EXPECT_EQ(Call(projector.url(), "POST", "/v1/admin/rebuild", "hos1").status, 409);

  json progress;
  std::set<std::string> phases;
  bool done = WaitFor(
      [&] {
        http::ClientResponse r = Call(projector.url(), "GET", "/v1/admin/rebuild", "hos1");
        if (r.status != 200) return false;
        progress = json::parse(r.body);
        phases.insert(progress["phase"].get<std::string>());
        return progress["phase"] == "switched" || progress["phase"] == "failed";
      },
      std::chrono::seconds(180));
  ASSERT_TRUE(done) << progress.dump();
  ASSERT_EQ(progress["phase"], "switched") << progress.dump();
  switched = true;
  EXPECT_EQ(progress["switches"], 1);
  EXPECT_GT(progress["events_applied"].get<int>(), static_cast<int>(before)) << progress.dump();
  int reads_at_switch = reads;
  // Keep reading (and writing) for a while on the new store.
  ASSERT_TRUE(WaitFor([&] { return reads_after_switch >= 60; }, std::chrono::seconds(60)));
  writer.JoinAll();
  ASSERT_FALSE(write_failed);
  ASSERT_TRUE(projector.WaitApplied(ends, std::chrono::seconds(120))) << projector.Ready().dump();
  // Caught up on the new store: the probe shows every contact.
  http::ClientResponse probe = Call(projector.url(), "GET", "/v1/children/probe-child", "hos1");
  ASSERT_EQ(probe.status, 200) << probe.body;
  EXPECT_EQ(json::parse(probe.body)["record"]["contacts"], probes_acked.load());
  queue_matches_summaries(projector);
  readers.JoinAll();

  std::lock_guard lock(mu);
  EXPECT_TRUE(failures.empty()) << failures.size() << " failed or stale; first: " << failures[0];
  EXPECT_GE(reads_at_switch - reads_at_start, 30) << "readers should run throughout the rebuild";
  std::cerr << reads << " requests: " << reads_at_switch - reads_at_start << " during the rebuild, "
            << reads_after_switch << " after the switch; phases seen:";
  for (const std::string& phase : phases) std::cerr << " " << phase;
  std::cerr << "\n";

  // The new store is current on disk and the old one has been deleted.
  std::string now_current = std::filesystem::canonical(projector.dir() + "/data/current").string();
  EXPECT_NE(now_current, old_store);
  EXPECT_EQ(std::filesystem::path(now_current).filename(), progress["store"].get<std::string>());
  EXPECT_TRUE(
      WaitFor([&] { return !std::filesystem::exists(old_store); }, std::chrono::seconds(30)))
      << old_store << " was not deleted";
  std::int64_t applied = projector.AppliedOffsets();
  EXPECT_EQ(projector.Stop(), 0);

  // The same as a clean offline rebuild of the topic.
  ProjectorHarness clean(brokers, "online-rebuild-clean", topic);
  std::string out;
  ASSERT_EQ(clean.Command({"rebuild"}, out), 0) << out;
  std::string want = clean.Digest();
  ASSERT_NE(want.find("sha256"), std::string::npos) << want;
  EXPECT_EQ(projector.Digest(), want);

  // A restart opens the rebuilt store, at the offsets it had reached.
  ASSERT_TRUE(projector.Start());
  ASSERT_TRUE(projector.WaitCaughtUp(std::chrono::seconds(60)));
  EXPECT_EQ(projector.AppliedOffsets(), applied);
  EXPECT_EQ(projector.Stop(), 0);
}

}  // namespace
}  // namespace sightline::testing
