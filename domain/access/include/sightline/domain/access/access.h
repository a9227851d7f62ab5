// Who may read which child's record: need-to-know rules (Caldicott), pure and testable.
//
// - A restricted record (staff or relative, high profile, adoption) is shown in detail only to
//   the roles the policy names; everyone else sees the name in search and nothing more.
// - Service-wide roles (service manager, head of service, auditor by default) read every
//   unrestricted record.
// - A team manager reads the records of children waiting for, or allocated to, their team.
// - A practitioner (MASH practitioner or social worker) reads the records in their team's queue
//   and of the children allocated to them.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "sightline/events/v1/common.pb.h"
#include "sightline/projections/v1/projections.pb.h"

namespace sightline::domain {

enum class UserRole {
  kMashPractitioner,
  kSocialWorker,
  kTeamManager,
  kServiceManager,
  kHeadOfService,
  kAuditor,
};

std::optional<UserRole> ParseUserRole(std::string_view name);  // "team_manager" -> kTeamManager.
std::string_view RoleName(UserRole role);
events::v1::Role RecordedRole(UserRole role);  // What an event's actor.role says for it.

struct User {
  std::string id;
  UserRole role = UserRole::kMashPractitioner;
  std::string team_id;
};

struct AccessPolicy {
  std::set<UserRole> restricted_roles = {UserRole::kHeadOfService};
  std::set<UserRole> service_wide_roles = {UserRole::kServiceManager, UserRole::kHeadOfService,
                                           UserRole::kAuditor};
  std::set<UserRole> line_of_sight_roles = {UserRole::kTeamManager, UserRole::kServiceManager,
                                            UserRole::kHeadOfService, UserRole::kAuditor};
};

enum class Access { kGranted, kNoNeedToKnow, kRestricted };

// Whether the user may read the child's record in full.
Access CanReadChild(const User& user, const projections::v1::ChildSummary& child,
                    const AccessPolicy& policy);
// Whether a queue entry is in the user's queue (details still follow CanReadChild).
bool InUsersQueue(const User& user, const projections::v1::ChildSummary& child,
                  const AccessPolicy& policy);
bool CanSeeLineOfSight(const User& user, const AccessPolicy& policy);
// Whether the user may read every record, the restricted ones included: the roles that are both
// service-wide and named for restricted records (head of service by default). Only they may make
// the statutory returns, which name every child (issue 16).
bool CanReadEveryRecord(const User& user, const AccessPolicy& policy);
// An alert about a team or service area (ADR 0013) names no child: service-wide roles see every
// one; a team manager sees their own team's.
bool CanSeeAlertAboutNoChild(const User& user, const std::string& team_id,
                             const AccessPolicy& policy);

}  // namespace sightline::domain
