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
#include "watchdog_month_run.h"

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

  // The expected run: the in-memory engine fed the same steps.
  MonthExpectation want(policy.value(), month);
  WatchdogHarness w(brokers, "wd-crash", topic, alerts);
  w.SetClock(start);
  ASSERT_TRUE(w.Start());
  ASSERT_TRUE(w.WaitTicked(start, std::chrono::seconds(60))) << "see " << w.dir();

  std::mt19937 rng(20261123);
  int kills = 0, kills_mid_step = 0, kills_in_recovery = 0;
  std::size_t next = 0;
  Instant previous = start;
  for (Instant t = start + kStep; t <= start + std::chrono::days(kDays); t += kStep) {
    std::vector<v1::Envelope> step = want.Step(month, next, previous, t);
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
    EXPECT_GT(want.steps[kind], 0) << kind;

  ExpectAlertIds(brokers, alerts, want.expected, "crash   ");

  // A clean replay: a fresh watchdog reads the whole stream at the end time, in one pass.
  std::string digest = w.Digest();
  ASSERT_NE(digest.find("deadlines_sha256 "), std::string::npos) << digest;
  EXPECT_NE(digest.find("open_clocks " + std::to_string(want.engine.OpenClocks().size()) + "\n"),
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
  for (const auto& d : want.engine.OpenClocks()) open.insert(d.clock_id());
  for (const auto& a : ReadAlerts(brokers, replay_alerts))
    EXPECT_TRUE(open.count(a.clock_id())) << a.event_id() << " re-alerted a closed clock";
}

}  // namespace
}  // namespace sightline::testing
