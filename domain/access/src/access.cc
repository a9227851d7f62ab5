#include "sightline/domain/access/access.h"

#include <array>
#include <utility>

namespace sightline::domain {
namespace {

// Each role: its config name and the role the event schema records for it.
struct RoleRow {
  UserRole role;
  std::string_view name;
  events::v1::Role recorded;
};
constexpr std::array<RoleRow, 6> kRoles = {{
    {UserRole::kMashPractitioner, "mash_practitioner", events::v1::ROLE_MASH_PRACTITIONER},
    {UserRole::kSocialWorker, "social_worker", events::v1::ROLE_SOCIAL_WORKER},
    {UserRole::kTeamManager, "team_manager", events::v1::ROLE_TEAM_MANAGER},
    {UserRole::kServiceManager, "service_manager", events::v1::ROLE_SERVICE_MANAGER},
    {UserRole::kHeadOfService, "head_of_service", events::v1::ROLE_HEAD_OF_SERVICE},
    {UserRole::kAuditor, "auditor", events::v1::ROLE_AUDITOR},
}};

bool TeamMatches(const User& user, const projections::v1::ChildSummary& c) {
  return !user.team_id.empty() &&
         (c.queue_team_id() == user.team_id || c.allocation().team_id() == user.team_id);
}

}  // namespace

std::optional<UserRole> ParseUserRole(std::string_view name) {
  for (const RoleRow& r : kRoles)
    if (r.name == name) return r.role;
  return std::nullopt;
}

std::string_view RoleName(UserRole role) {
  for (const RoleRow& r : kRoles)
    if (r.role == role) return r.name;
  return "unknown";
}

events::v1::Role RecordedRole(UserRole role) {
  for (const RoleRow& r : kRoles)
    if (r.role == role) return r.recorded;
  return events::v1::ROLE_UNSPECIFIED;
}

Access CanReadChild(const User& user, const projections::v1::ChildSummary& c,
                    const AccessPolicy& policy) {
  if (c.restriction() != events::v1::RESTRICTION_UNSPECIFIED &&
      !policy.restricted_roles.contains(user.role)) {
    return Access::kRestricted;
  }
  if (policy.service_wide_roles.contains(user.role)) return Access::kGranted;
  switch (user.role) {
    case UserRole::kTeamManager:
      return TeamMatches(user, c) ? Access::kGranted : Access::kNoNeedToKnow;
    case UserRole::kMashPractitioner:
    case UserRole::kSocialWorker: {
      bool mine = !user.id.empty() && c.allocation().worker_id() == user.id;
      bool team_queue = !user.team_id.empty() && c.queue_team_id() == user.team_id;
      return mine || team_queue ? Access::kGranted : Access::kNoNeedToKnow;
    }
    default:
      return Access::kNoNeedToKnow;
  }
}

bool InUsersQueue(const User& user, const projections::v1::ChildSummary& c,
                  const AccessPolicy& policy) {
  if (policy.service_wide_roles.contains(user.role)) return true;
  if (user.role == UserRole::kTeamManager) return TeamMatches(user, c);
  return c.queue_team_id() == user.team_id || c.allocation().worker_id() == user.id;
}

bool CanSeeLineOfSight(const User& user, const AccessPolicy& policy) {
  return policy.line_of_sight_roles.contains(user.role);
}

bool CanReadEveryRecord(const User& user, const AccessPolicy& policy) {
  return policy.service_wide_roles.contains(user.role) &&
         policy.restricted_roles.contains(user.role);
}

bool CanSeeAlertAboutNoChild(const User& user, const std::string& team_id,
                             const AccessPolicy& policy) {
  if (policy.service_wide_roles.contains(user.role)) return true;
  return user.role == UserRole::kTeamManager && !team_id.empty() && user.team_id == team_id;
}

}  // namespace sightline::domain
