// The DfE Children in Need census for a collection year, built from the event log (issue 16,
// ADR 0021, docs/returns.md). Pure: events in, XML text out; the command that reads a topic or an
// NDJSON file and writes the file with mode 0600 is sightlinectl's.
//
// A CIN episode (CINdetails) starts at a referral (a contact decided for a section 17 assessment
// or a section 47 strategy discussion) and ends at the case's closure. A referral while an
// episode is open joins that episode. Everything after the census year's last day is left out,
// as if it had not yet happened, so a return made late equals one made on the day.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sightline/core/status.h"
#include "sightline/domain/calendar/calendar.h"
#include "sightline/events/v1/envelope.pb.h"

namespace sightline::domain::returns {

struct CollectionYear {
  Day start;         // 1 April
  Day end;           // 31 March
  int end_year = 0;  // The census's <Year>: 2027 for 2026-27.
};

// "2026-27" (the second part is the first plus one).
StatusOr<CollectionYear> ParseCollectionYear(std::string_view text);
// The DfE three-digit LA number ("886"), and the header's SerialNo (1 to 4 digits).
bool IsLaCode(std::string_view text);
bool IsSerialNo(std::string_view text);

struct CinCensusOptions {
  CollectionYear year;
  std::string la_code;  // The DfE three-digit LA number, e.g. 886.
  std::string software_code = "Sightline";
  std::string release = "1";
  std::string serial_no = "1";
  std::string generated_at;  // <DateTime>, e.g. 2027-04-05T09:00:00.
};

struct CinCensusFigures {
  int children = 0;
  int episodes = 0;
  int referrals_nfa = 0;
  int assessments = 0;
  int cin_plans = 0;
  int section47 = 0;
  int cp_plans = 0;
  int reviews = 0;
  // Inferences the events did not state (docs/returns.md). In the return: CIN plans ended by a
  // CP plan's start or by the case's closure, closure reasons derived from Sightline's own.
  int cin_plans_ended_by_cp = 0;
  int plans_ended_by_closure = 0;
  int closure_reasons_derived = 0;
  // Left out or merged while folding: closures while work was under way, closures undone by work
  // recorded after them, CIN plans started inside a CP plan, CIN plans that continued one open.
  int closures_with_work_open_left_out = 0;
  int closures_undone_by_later_work = 0;
  int cin_plans_inside_cp_left_out = 0;
  int cin_plans_continued = 0;
  // Assessments and section 47 enquiries started while one was under way in the episode, taken
  // as part of it.
  int assessments_joined = 0;
  int section47_joined = 0;
  // The Sightline ids of the children in the return, in the return's order (for the access
  // audit of whoever made it).
  std::vector<std::string> child_ids;
};

// The census XML (UTF-8, the DfE CIN message layout). `events` in any order, duplicates and
// corrections included: each child's are resolved as every reader resolves them.
std::string CinCensusXml(std::span<const events::v1::Envelope> events, const Calendar& calendar,
                         const CinCensusOptions& options, CinCensusFigures* figures = nullptr);

// The LAchildID for a Sightline child id: the id itself when it is already 1-20 letters and
// digits, otherwise "S" and the 16 hex digits of its 64-bit FNV-1a hash (deterministic, so a
// second export of imported children gives the same ids; a collision among a million children has
// odds of about 1 in 37 million, and the validator's rule 8510 would name it).
std::string LaChildId(std::string_view child_id);

}  // namespace sightline::domain::returns
