#include "sightline/domain/access/access.h"

#include <gtest/gtest.h>

namespace sightline::domain {
namespace {

namespace pv = projections::v1;

pv::ChildSummary Child(const std::string& queue_team, const std::string& alloc_team,
                       const std::string& worker, bool restricted) {
  pv::ChildSummary c;
  c.set_child_id("c1");
  c.set_queue_team_id(queue_team);
  c.mutable_allocation()->set_team_id(alloc_team);
  c.mutable_allocation()->set_worker_id(worker);
  if (restricted) c.set_restriction(events::v1::RESTRICTION_HIGH_PROFILE);
  return c;
}

TEST(AccessTest, TheMatrix) {
  AccessPolicy policy;
  struct Case {
    User user;
    pv::ChildSummary child;
    Access want;
  };
  User mash{"p1", UserRole::kMashPractitioner, "mash"};
  User sw{"sw1", UserRole::kSocialWorker, "team-1"};
  User tm{"tm1", UserRole::kTeamManager, "team-1"};
  User sm{"sm1", UserRole::kServiceManager, "svc"};
  User hos{"hos1", UserRole::kHeadOfService, "svc"};
  User aud{"aud1", UserRole::kAuditor, "qa"};
  auto in_mash_queue = Child("mash", "", "", false);
  auto allocated_sw1 = Child("", "team-1", "sw1", false);
  auto other_team = Child("", "team-2", "sw9", false);
  auto restricted = Child("mash", "team-1", "sw1", true);
  std::vector<Case> cases = {
      {mash, in_mash_queue, Access::kGranted},    {mash, other_team, Access::kNoNeedToKnow},
      {mash, restricted, Access::kRestricted},    {sw, allocated_sw1, Access::kGranted},
      {sw, in_mash_queue, Access::kNoNeedToKnow}, {sw, restricted, Access::kRestricted},
      {tm, allocated_sw1, Access::kGranted},      {tm, other_team, Access::kNoNeedToKnow},
      {tm, restricted, Access::kRestricted},      {sm, other_team, Access::kGranted},
      {sm, restricted, Access::kRestricted},      {hos, other_team, Access::kGranted},
      {hos, restricted, Access::kGranted},        {aud, other_team, Access::kGranted},
      {aud, restricted, Access::kRestricted},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(CanReadChild(c.user, c.child, policy), c.want)
        << RoleName(c.user.role) << " on queue=" << c.child.queue_team_id()
        << " alloc=" << c.child.allocation().team_id() << " restricted=" << c.child.restriction();
  }
  EXPECT_FALSE(CanSeeLineOfSight(mash, policy));
  EXPECT_TRUE(CanSeeLineOfSight(tm, policy));
  EXPECT_TRUE(InUsersQueue(mash, restricted, policy));  // Still in the queue, details hidden.
  EXPECT_FALSE(InUsersQueue(mash, other_team, policy));
}

TEST(AccessTest, RoleNamesRoundTrip) {
  for (auto role : {UserRole::kMashPractitioner, UserRole::kSocialWorker, UserRole::kTeamManager,
                    UserRole::kServiceManager, UserRole::kHeadOfService, UserRole::kAuditor}) {
    EXPECT_EQ(ParseUserRole(RoleName(role)), role);
  }
  EXPECT_FALSE(ParseUserRole("director"));
}

}  // namespace
}  // namespace sightline::domain
