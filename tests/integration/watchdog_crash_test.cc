// The watchdog against a real broker over a simulated month, SIGKILLed at random moments in
// every half-day step (while it consumes, ticks, drains its outbox or recovers). The alerts
// topic must end with exactly the alert ids that the same rule engine computes in memory, each
// duplicate (if any) byte-identical to the first, and the deadline index must equal that of a
// clean replay of the whole stream by a fresh watchdog.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "broker.h"
#include "sightline/config/policy_file.h"
#include "sightline/domain/clocks/clocks.h"
#include "sightline/simulator/simulate.h"
#include "watchdog_harness.h"
#include "watchdog_month.h"

namespace sightline::testing {
namespace {

namespace v1 = events::v1;
using sightline::Instant;
using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;

constexpr int kDays = kMonthDays;
constexpr auto kStep = hours(12);

TEST(WatchdogCrashTest, SigkillsNeitherLoseNorInventAlertsAndTheIndexEqualsACleanReplay) {
  std::string brokers = SharedBrokers();
  ASSERT_FALSE(brokers.empty()) << "run through `make test`, which starts a broker";
  std::string topic = "it.wd-crash." + std::to_string(getpid());
  std::string alerts = topic + ".alerts", replay_alerts = topic + ".replay-alerts";
  ASSERT_TRUE(
      WatchdogHarness::CreateTopics(brokers, {topic, alerts, replay_alerts, topic + ".dlq"}));
  auto producer = kafka::Producer::Create({.brokers = brokers, .properties = {}});
  ASSERT_TRUE(producer.ok()) << producer.status().message();
  auto policy = config::LoadPolicy(SourceDir() + "/deploy/watchdog-policy.yaml");
  ASSERT_TRUE(policy.ok()) << policy.status().message();

  const Instant start(std::chrono::sys_days{std::chrono::September / 7 / 2026});
  std::vector<v1::Envelope> month = WatchdogMonth(start);
  ASSERT_GE(month.size(), 3000u);
  std::map<std::string, const v1::Envelope*> by_id;
  for (const auto& e : month) by_id[e.event_id()] = &e;

  // The expected run: the in-memory engine fed the same steps. The watchdog applies each step's
  // events at its horizon (the previous step's tick), then ticks at the step's time.
  domain::AlertEngine engine(policy.value());
  std::set<std::string> expected;
  std::map<std::string, int> steps;  // How many of each step kind were expected.

  WatchdogHarness w(brokers, "wd-crash", topic, alerts);
  w.SetClock(start);
  ASSERT_TRUE(w.Start());
  ASSERT_TRUE(w.WaitTicked(start, std::chrono::seconds(60))) << "see " << w.dir();

  std::mt19937 rng(20261123);
  int kills = 0, kills_mid_step = 0, kills_in_recovery = 0;
  std::size_t next = 0;
  std::vector<v1::Envelope> acks;  // Produced in the step after the alert they answer.
  Instant previous = start;
  for (Instant t = start + kStep; t <= start + std::chrono::days(kDays); t += kStep) {
    std::vector<v1::Envelope> step = std::move(acks);
    acks.clear();
    while (next < month.size() && ToInstant(month[next].occurred_at()) <= t)
      step.push_back(month[next++]);
    for (const auto& a : engine.Apply(step, previous, previous)) expected.insert(a.event_id());
    for (const auto& a : engine.Tick(t)) {
      expected.insert(a.event_id());
      ++steps[alerts::v1::Step_Name(a.step())];
      // One raise or escalation in three is acknowledged; the rest climb the ladder.
      bool paged = a.step() == alerts::v1::STEP_RAISED || a.step() == alerts::v1::STEP_ESCALATED;
      if (paged && std::hash<std::string>{}(a.event_id()) % 3 == 0 &&
          by_id.count(a.anchor_event_id()))
        acks.push_back(MonthAcknowledgement(a, *by_id[a.anchor_event_id()], t + minutes(20)));
    }
    previous = t;

    ASSERT_TRUE(Produce(*producer.value(), topic, step));
    w.SetClock(t);
    // A SIGKILL at a random moment while the step is being consumed, ticked and drained ...
    std::this_thread::sleep_for(milliseconds(std::uniform_int_distribution(0, 400)(rng)));
    auto status = w.Status();
    if (!status.is_object() ||
        status["horizon_unix"].get<std::int64_t>() <
            std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count())
      ++kills_mid_step;
    w.Kill();
    ++kills;
    ASSERT_TRUE(w.Start());
    // ... and, every third step, another while it recovers.
    if (kills % 3 == 0) {
      std::this_thread::sleep_for(milliseconds(std::uniform_int_distribution(0, 150)(rng)));
      w.Kill();
      ++kills;
      ++kills_in_recovery;
      ASSERT_TRUE(w.Start());
    }
    ASSERT_TRUE(w.WaitTicked(t, std::chrono::seconds(120)))
        << "no tick at step " << kills << "; see " << w.dir();
  }
  ASSERT_EQ(next, month.size());
  const Instant end = previous;
  ASSERT_EQ(w.Stop(), 0);
  std::cout << "[ crash    ] " << kills << " SIGKILLs: " << kills_mid_step
            << " before the step's tick had been published, " << kills_in_recovery
            << " during recovery\n";
  EXPECT_GE(kills, 20);
  // The month must exercise the whole lifecycle, or the comparison proves little.
  for (const char* kind :
       {"STEP_RAISED", "STEP_ESCALATED", "STEP_ACKNOWLEDGED", "STEP_ACK_EXPIRED", "STEP_RESOLVED"})
    EXPECT_GT(steps[kind], 0) << kind;

  // Every expected id exactly once after the documented dedup rule (collapse by event_id); a
  // duplicate on the wire must be the same record (emitted_at aside, as alerts.proto allows).
  std::map<std::string, std::string> first;
  int duplicates = 0;
  for (auto a : ReadAlerts(brokers, alerts)) {
    a.clear_emitted_at();
    auto [it, fresh] = first.emplace(a.event_id(), a.SerializeAsString());
    if (!fresh) {
      ++duplicates;
      EXPECT_EQ(it->second, a.SerializeAsString()) << "duplicate " << a.event_id() << " differs";
    }
  }
  std::set<std::string> got;
  for (const auto& [id, _] : first) got.insert(id);
  std::vector<std::string> missing, extra;
  std::set_difference(expected.begin(), expected.end(), got.begin(), got.end(),
                      std::back_inserter(missing));
  std::set_difference(got.begin(), got.end(), expected.begin(), expected.end(),
                      std::back_inserter(extra));
  std::cout << "[ crash    ] " << expected.size() << " alert events expected, " << got.size()
            << " distinct on the topic, " << duplicates << " duplicates on the wire\n";
  EXPECT_TRUE(missing.empty()) << missing.size() << " missing, first " << missing.front();
  EXPECT_TRUE(extra.empty()) << extra.size() << " unexpected, first " << extra.front();

  // A clean replay: a fresh watchdog reads the whole stream at the end time, in one pass.
  std::string digest = w.Digest();
  ASSERT_NE(digest.find("deadlines_sha256 "), std::string::npos) << digest;
  EXPECT_NE(digest.find("open_clocks " + std::to_string(engine.OpenClocks().size()) + "\n"),
            std::string::npos)
      << digest;
  WatchdogHarness clean(brokers, "wd-crash-replay", topic, replay_alerts);
  clean.SetClock(end);
  ASSERT_TRUE(clean.Start());
  ASSERT_TRUE(clean.WaitTicked(end, std::chrono::seconds(120))) << "see " << clean.dir();
  ASSERT_EQ(clean.Stop(), 0);
  EXPECT_EQ(clean.Digest(), digest);
  // The replay pages only for clocks still open: nothing that was resolved is alerted again.
  std::set<std::string> open;
  for (const auto& d : engine.OpenClocks()) open.insert(d.clock_id());
  for (const auto& a : ReadAlerts(brokers, replay_alerts))
    EXPECT_TRUE(open.count(a.clock_id())) << a.event_id() << " re-alerted a closed clock";
}

}  // namespace
}  // namespace sightline::testing
