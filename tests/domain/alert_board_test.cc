// The alert board's fold (domain/projection alert_board.h): the state of a clock's alert from
// its steps, whatever order and however often they arrive.
#include "sightline/domain/projection/alert_board.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "sightline/core/time.h"

namespace sightline::domain {
namespace {

namespace av = alerts::v1;
namespace pv = projections::v1;

av::AlertEvent Step(av::Step step, int level, int minute, const std::string& suffix) {
  av::AlertEvent e;
  e.set_clock_id("contact-decision-red/c1/e1");
  e.set_alert_id(e.clock_id() + "/L" + std::to_string(level));
  e.set_event_id(e.alert_id() + "/" + suffix);
  e.set_step(step);
  e.set_child_id("c1");
  e.set_rule_id("contact-decision-red");
  e.set_team_id("mash");
  e.set_level(level);
  e.set_urgent(true);
  e.set_level_role(level == 1 ? "team_manager" : "service_manager");
  *e.mutable_at() = ToTimestamp(Instant(std::chrono::minutes(minute)));
  return e;
}

TEST(AlertBoard, AcknowledgedThenResolvedWhateverTheOrderAndDuplicates) {
  av::AlertEvent ack = Step(av::STEP_ACKNOWLEDGED, 2, 130, "ack/0");
  ack.set_acknowledged_by("sm-east");
  ack.set_note("Calling the police");
  std::vector<av::AlertEvent> steps = {Step(av::STEP_RAISED, 1, 60, "raised"),
                                       Step(av::STEP_ESCALATED, 2, 120, "escalated"), ack,
                                       Step(av::STEP_RESOLVED, 2, 150, "resolved")};
  pv::AlertRow in_order;
  for (const auto& s : steps) EXPECT_TRUE(ApplyAlertStep(in_order, s));
  EXPECT_EQ(in_order.state(), pv::AlertRow::STATE_RESOLVED);
  EXPECT_EQ(in_order.acknowledged_by(), "sm-east");
  EXPECT_EQ(in_order.level(), 2);
  EXPECT_EQ(in_order.history_size(), 4);
  EXPECT_FALSE(IsLive(in_order));
  std::mt19937 rng(3);
  for (int round = 0; round < 20; ++round) {
    std::vector<av::AlertEvent> shuffled = steps;
    shuffled.push_back(steps[rng() % steps.size()]);  // Redelivered.
    std::shuffle(shuffled.begin(), shuffled.end(), rng);
    pv::AlertRow row;
    for (const auto& s : shuffled) ApplyAlertStep(row, s);
    EXPECT_EQ(row.SerializeAsString(), in_order.SerializeAsString()) << "round " << round;
  }
  // Until it resolves, the acknowledgement holds it; a lapse reopens it.
  pv::AlertRow live;
  for (int i = 0; i < 3; ++i) ApplyAlertStep(live, steps[static_cast<std::size_t>(i)]);
  EXPECT_EQ(live.state(), pv::AlertRow::STATE_ACKNOWLEDGED);
  EXPECT_EQ(live.alert_id(), "contact-decision-red/c1/e1/L2");
  EXPECT_EQ(live.level_role(), "service_manager");
  EXPECT_TRUE(IsLive(live));
  EXPECT_FALSE(ApplyAlertStep(live, ack)) << "an event id already applied changes nothing";
  ApplyAlertStep(live, Step(av::STEP_ACK_EXPIRED, 2, 370, "ack-expired/0"));
  EXPECT_EQ(live.state(), pv::AlertRow::STATE_OPEN);
  EXPECT_EQ(live.acknowledged_by(), "");
}

TEST(AlertBoard, HeartbeatsAndStepsWithoutAClockAreNotAlerts) {
  av::AlertEvent beat;
  beat.set_event_id("heartbeat/hb-1");
  beat.set_step(av::STEP_HEARTBEAT);
  pv::AlertRow row;
  EXPECT_FALSE(ApplyAlertStep(row, beat));
  EXPECT_TRUE(row.clock_id().empty());
}

}  // namespace
}  // namespace sightline::domain
