// Helpers shared by the triage API's handler files (api.cc, api_reports.cc). Internal.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "sightline/domain/access/access.h"
#include "sightline/domain/calendar/calendar.h"
#include "sightline/http/server.h"
#include "sightline/identity/authenticator.h"
#include "sightline/projections/v1/projections.pb.h"
#include "sightline/storage/store.h"

namespace sightline::projector::api_internal {

// The child's summary; nullopt with `status` OK when there is none, or with it set on failure.
std::optional<projections::v1::ChildSummary> LoadSummary(const storage::Store& store,
                                                         const std::string& id, Status& status);
// Visits every child summary, in child id order. Nullopt when all were read; else the answer to
// give: 503 naming a store failure, 500 for a row that does not parse.
std::optional<http::Response> ForEachSummary(
    const storage::Store& store, const std::function<void(projections::v1::ChildSummary&)>& visit);
// 503 naming the store failure.
http::Response StoreError(const Status& s);
// Whether the credential is a member of staff's (a user, not a service).
bool IsStaff(const identity::AuthResult& who);
// The audit outcome (sightline.audit.v1.Outcome number) of an access decision.
int AuditOutcome(domain::Access access);
// An alert board row as the API shows it: the row, its state in words, working days overdue.
nlohmann::json AlertJson(const projections::v1::AlertRow& row, const domain::Calendar& calendar,
                         Instant now);

// An audit of a child the reader may read.
struct ReadableAudit {
  const projections::v1::QaAuditRecord* audit = nullptr;
  std::string child_id;
};
// QA coverage (api_qa.cc): per service area, its last audit, audits in 12 weeks and whether the
// last is older than 3 months (or there is none); per team (`teams` and every audited one), its
// last audit and audits this and last calendar month.
nlohmann::json QaCoverage(const std::vector<ReadableAudit>& audits,
                          const std::set<std::string>& teams, const domain::Calendar& calendar,
                          Instant now);

}  // namespace sightline::projector::api_internal
