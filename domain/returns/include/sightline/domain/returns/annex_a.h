// Ofsted's Annex A lists (issue 16, ADR 0021, docs/returns.md): the lists an inspection asks for
// on its first day, from the event log. Pure: events in, lists out; sightlinectl writes them as
// CSV files (mode 0600), one per list, with Ofsted's column headings and the answer codes of the
// Annex A template (as liiatools' Annex A cleaner reads them).
//
// Filled from events: List 1 contacts, List 2 early help, List 3 referrals, List 4 assessments,
// List 5 section 47 enquiries and initial conferences, List 6 children in need, List 7 child
// protection plans. Lists 8-11 (looked-after children, care leavers, adoption, adopters) need
// what Sightline's schema does not hold (legal status, placements, eligibility): they are written
// with their headings and no rows, so a workbook always has every list.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "sightline/domain/calendar/calendar.h"
#include "sightline/events/v1/envelope.pb.h"

namespace sightline::domain::returns {

struct AnnexAPeriod {
  Day from;  // First day of the period the lists cover.
  Day to;    // Last day, and the day "as at" (ages, allocations, open cases).
};

struct AnnexAList {
  int number = 0;     // 1-11: "List 1" ...
  std::string title;  // e.g. "Contacts".
  std::vector<std::string> headers;
  std::vector<std::vector<std::string>> rows;
};

// The eleven lists. `child_ids`, when given, receives every child the lists name (for the audit).
std::vector<AnnexAList> AnnexA(std::span<const events::v1::Envelope> events,
                               const AnnexAPeriod& period,
                               std::vector<std::string>* child_ids = nullptr);

// One list as CSV (RFC 4180, CRLF line ends), its headings first. A cell that a spreadsheet would
// read as a formula (starting =, +, -, @, a tab or a carriage return) is written with a leading
// apostrophe.
std::string AnnexACsv(const AnnexAList& list);

}  // namespace sightline::domain::returns
