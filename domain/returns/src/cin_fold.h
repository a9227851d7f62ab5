// The CIN census's fold (internal to domain/returns): each child's resolved events as CIN
// episodes with their assessments, section 47 enquiries and plans, as the census counts them.
// Shared by the census writer (cin_census.cc) and Annex A (annex_a.cc).
#pragma once

#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "sightline/domain/calendar/calendar.h"
#include "sightline/domain/returns/cin_census.h"
#include "sightline/events/v1/envelope.pb.h"

namespace sightline::domain::returns::cin {

struct Assessment {
  std::string id;
  Day start;
  std::optional<Day> end;
  std::vector<std::string> factors;
};

struct Section47 {
  std::string id;
  Day start;
  std::optional<Day> icpc;
  bool icpc_not_required = false;
};

// What ended a plan: its own event, or an inference (docs/returns.md).
enum class EndedBy { kEvent, kCpPlan, kClosure };

struct Plan {
  std::string id;
  Day start;
  std::optional<Day> end;
  EndedBy ended_by = EndedBy::kEvent;
  std::string initial_category, latest_category;
  std::vector<Day> reviews;
  int previous_cp_plans = 0;
};

struct Episode {
  Day referral;
  std::string source = "10";
  std::string need;  // Latest said by an assessment or plan; else from the contact's concern.
  std::string concern_need = "N0";
  std::optional<Day> closed;
  std::string closure_reason;
  bool closure_derived = false;
  bool not_nfa_said = false;  // An imported return said the referral led to work before its year.
  std::vector<Assessment> assessments;
  std::vector<Section47> s47s;
  std::vector<Plan> cin_plans, cp_plans;
  bool Open() const { return !closed; }
  bool Activity() const {
    return !assessments.empty() || !s47s.empty() || !cin_plans.empty() || !cp_plans.empty();
  }
};

struct Child {
  std::string la_child_id;
  events::v1::ChildDetailsRecorded details;
  std::vector<Episode> episodes;
};

// Every child's episodes from `events` (any order, duplicates and corrections resolved), folding
// only what happened by `until` (a correction after it still amends what it names). Children by
// Sightline id. Counts what it inferred or left out into `figures`.
std::map<std::string, Child> FoldChildren(std::span<const events::v1::Envelope> events, Day until,
                                          CinCensusFigures& figures);

// CIN census codes: a referral source for an agency ("6" for the police), an abuse category
// ("NEG"), the primary need a contact's first concern points to ("N1").
std::string ReferralSource(events::v1::Agency agency);
std::string AbuseCode(events::v1::AbuseCategory category);

}  // namespace sightline::domain::returns::cin
