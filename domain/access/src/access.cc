#include "sightline/domain/access/access.h"

#include <array>
#include <utility>

namespace sightline::domain {
namespace {

constexpr std::array<std::pair<UserRole, std::string_view>, 6> kRoles = {{
    {UserRole::kMashPractitioner, "mash_practitioner"},
    {UserRole::kSocialWorker, "social_worker"},
    {UserRole::kTeamManager, "team_manager"},
    {UserRole::kServiceManager, "service_manager"},
    {UserRole::kHeadOfService, "head_of_service"},
    {UserRole::kAuditor, "auditor"},
}};

bool TeamMatches(const User& user, const projections::v1::ChildSummary& c) {
  return !user.team_id.empty() &&
         (c.queue_team_id() == user.team_id || c.allocation().team_id() == user.team_id);
}

}  // namespace

std::optional<UserRole> ParseUserRole(std::string_view name) {
  for (const auto& [role, text] : kRoles)
    if (text == name) return role;
  return std::nullopt;
}

std::string_view RoleName(UserRole role) {
  for (const auto& [r, text] : kRoles)
    if (r == role) return text;
  return "unknown";
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

}  // namespace sightline::domain
