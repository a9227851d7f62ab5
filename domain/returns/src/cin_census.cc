#include "sightline/domain/returns/cin_census.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <map>
#include <optional>
#include <set>
#include <vector>

#include "cin_fold.h"
#include "sightline/domain/events/census_codes.h"

namespace sightline::domain::returns {

namespace {

namespace v1 = events::v1;
using P = v1::Envelope::PayloadCase;

using cin::Assessment;
using cin::Child;
using cin::EndedBy;
using cin::Episode;
using cin::Plan;
using cin::Section47;

class Xml {
 public:
  void Open(std::string_view tag) {
    Indent();
    out_ += '<';
    out_ += tag;
    out_ += ">\n";
    ++depth_;
  }
  void Close(std::string_view tag) {
    --depth_;
    Indent();
    out_ += "</";
    out_ += tag;
    out_ += ">\n";
  }
  void Leaf(std::string_view tag, std::string_view text) {
    Indent();
    out_ += '<';
    out_ += tag;
    out_ += '>';
    for (char c : text) {
      switch (c) {
        case '&':
          out_ += "&amp;";
          break;
        case '<':
          out_ += "&lt;";
          break;
        case '>':
          out_ += "&gt;";
          break;
        default:
          out_ += c;
      }
    }
    out_ += "</";
    out_ += tag;
    out_ += ">\n";
  }
  void Leaf(std::string_view tag, Day d) { Leaf(tag, FormatDay(d)); }
  std::string& text() { return out_; }

 private:
  void Indent() { out_.append(static_cast<std::size_t>(depth_) * 2, ' '); }
  std::string out_ = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n";
  int depth_ = 0;
};

std::string Sex(const v1::ChildDetailsRecorded& d) {
  if (d.unborn()) return "U";
  switch (d.gender()) {
    case v1::GENDER_MALE:
      return "M";
    case v1::GENDER_FEMALE:
      return "F";
    default:
      return "U";
  }
}

bool InYear(Day d, const CollectionYear& y) { return d >= y.start && d <= y.end; }

void WriteChild(Xml& x, const std::string& id, const Child& c, const CollectionYear& y,
                const Calendar& calendar, CinCensusFigures& f) {
  // The episodes the year sees: referred by its end and not closed before its start.
  std::vector<const Episode*> episodes;
  for (const Episode& ep : c.episodes)
    if (!ep.closed || *ep.closed >= y.start) episodes.push_back(&ep);
  if (episodes.empty()) return;
  ++f.children;
  f.child_ids.push_back(id);
  const v1::ChildDetailsRecorded& d = c.details;
  x.Open("Child");
  x.Open("ChildIdentifiers");
  x.Leaf("LAchildID", c.la_child_id);
  if (!d.upn().empty()) x.Leaf("UPN", d.upn());
  if (!d.former_upn().empty()) x.Leaf("FormerUPN", d.former_upn());
  if (d.upn().empty())
    x.Leaf("UPNunknown",
           d.upn_unknown_reason().empty() ? (d.unborn() ? "UN9" : "UN4") : d.upn_unknown_reason());
  if (d.unborn()) {
    if (!d.expected_date().empty()) x.Leaf("ExpectedPersonBirthDate", d.expected_date());
  } else if (!d.date_of_birth().empty()) {
    x.Leaf("PersonBirthDate", d.date_of_birth());
  }
  x.Leaf("Sex", Sex(d));
  x.Close("ChildIdentifiers");
  x.Open("ChildCharacteristics");
  x.Leaf("Ethnicity", d.ethnicity().empty() ? "NOBT" : d.ethnicity());
  x.Open("Disabilities");
  if (d.disability_codes_size() > 0) {
    for (const std::string& code : d.disability_codes()) x.Leaf("Disability", code);
  } else {
    x.Leaf("Disability", d.disability() == v1::DISABILITY_YES ? "DDA" : "NONE");
  }
  x.Close("Disabilities");
  x.Close("ChildCharacteristics");
  for (const Episode* ep : episodes) {
    ++f.episodes;
    if (ep->closed && ep->closure_derived) ++f.closure_reasons_derived;
    bool nfa = ep->closed && !ep->Activity() && !ep->not_nfa_said;
    if (nfa) ++f.referrals_nfa;
    x.Open("CINdetails");
    x.Leaf("CINreferralDate", ep->referral);
    x.Leaf("ReferralSource", ep->source);
    x.Leaf("PrimaryNeedCode", ep->need.empty() ? ep->concern_need : ep->need);
    if (ep->closed) {
      x.Leaf("CINclosureDate", *ep->closed);
      x.Leaf("ReasonForClosure", ep->closure_reason);
    }
    x.Leaf("ReferralNFA", nfa ? "1" : "0");
    for (const Assessment& a : ep->assessments) {
      if (a.end && *a.end < y.start) continue;  // Finished before the year.
      ++f.assessments;
      x.Open("Assessments");
      x.Leaf("AssessmentActualStartDate", a.start);
      if (a.end) x.Leaf("AssessmentAuthorisationDate", *a.end);
      if (a.end && !a.factors.empty()) {
        x.Open("FactorsIdentifiedAtAssessment");
        for (const std::string& factor : a.factors) x.Leaf("AssessmentFactors", factor);
        x.Close("FactorsIdentifiedAtAssessment");
      }
      x.Close("Assessments");
    }
    for (const Plan& p : ep->cin_plans) {
      if (p.end && *p.end < y.start) continue;
      ++f.cin_plans;
      if (p.end && p.ended_by == EndedBy::kCpPlan) ++f.cin_plans_ended_by_cp;
      if (p.end && p.ended_by == EndedBy::kClosure) ++f.plans_ended_by_closure;
      x.Open("CINPlanDates");
      x.Leaf("CINPlanStartDate", p.start);
      if (p.end) x.Leaf("CINPlanEndDate", *p.end);
      x.Close("CINPlanDates");
    }
    for (const Section47& s : ep->s47s) {
      if (s.icpc ? *s.icpc < y.start : s.start < y.start) continue;
      ++f.section47;
      x.Open("Section47");
      x.Leaf("S47ActualStartDate", s.start);
      x.Leaf("InitialCPCtarget", calendar.AddWorkingDays(LocalMidnight(s.start), 15));
      if (s.icpc) x.Leaf("DateOfInitialCPC", *s.icpc);
      x.Leaf("ICPCnotRequired", s.icpc_not_required ? "1" : "0");
      x.Close("Section47");
    }
    for (const Plan& p : ep->cp_plans) {
      if (p.end && *p.end < y.start) continue;
      ++f.cp_plans;
      if (p.end && p.ended_by == EndedBy::kClosure) ++f.plans_ended_by_closure;
      x.Open("ChildProtectionPlans");
      x.Leaf("CPPstartDate", p.start);
      if (p.end) x.Leaf("CPPendDate", *p.end);
      x.Leaf("InitialCategoryOfAbuse", p.initial_category);
      x.Leaf("LatestCategoryOfAbuse", p.latest_category);
      x.Leaf("NumberOfPreviousCPP", std::to_string(p.previous_cp_plans));
      for (Day r : p.reviews) {
        if (!InYear(r, y)) continue;
        ++f.reviews;
        x.Open("Reviews");
        x.Leaf("CPPreviewDate", r);
        x.Close("Reviews");
      }
      x.Close("ChildProtectionPlans");
    }
    x.Close("CINdetails");
  }
  x.Close("Child");
}

std::uint64_t Fnv1a64(std::string_view s) {
  std::uint64_t h = 14695981039346656037ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

}  // namespace

StatusOr<CollectionYear> ParseCollectionYear(std::string_view text) {
  auto bad = [&] {
    return InvalidArgument("'" + std::string(text) + "' is not a collection year like 2026-27");
  };
  if (text.size() != 7 || text[4] != '-') return bad();
  int first = 0, second = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    if (text[i] < '0' || text[i] > '9') return bad();
    first = first * 10 + (text[i] - '0');
  }
  for (std::size_t i = 5; i < 7; ++i) {
    if (text[i] < '0' || text[i] > '9') return bad();
    second = second * 10 + (text[i] - '0');
  }
  if (first < 2000 || first > 2098 || (first + 1) % 100 != second) return bad();
  using namespace std::chrono;
  return CollectionYear{.start = sys_days(year(first) / April / 1),
                        .end = sys_days(year(first + 1) / March / 31),
                        .end_year = first + 1};
}

namespace {
bool Digits(std::string_view s, std::size_t min, std::size_t max) {
  return s.size() >= min && s.size() <= max &&
         std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}
}  // namespace

bool IsLaCode(std::string_view text) { return Digits(text, 3, 3); }
bool IsSerialNo(std::string_view text) { return Digits(text, 1, 4); }

std::string LaChildId(std::string_view child_id) {
  bool plain = !child_id.empty() && child_id.size() <= 20 &&
               std::all_of(child_id.begin(), child_id.end(), [](char c) {
                 return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
               });
  if (plain) return std::string(child_id);
  char buf[20];
  std::snprintf(buf, sizeof buf, "S%016llx", static_cast<unsigned long long>(Fnv1a64(child_id)));
  return buf;
}

std::string CinCensusXml(std::span<const events::v1::Envelope> events, const Calendar& calendar,
                         const CinCensusOptions& options, CinCensusFigures* figures) {
  CinCensusFigures local;
  CinCensusFigures& f = figures != nullptr ? *figures : local;
  f = {};
  const CollectionYear& y = options.year;
  Xml x;
  x.Open("Message");
  x.Open("Header");
  x.Open("CollectionDetails");
  x.Leaf("Collection", "CIN");
  x.Leaf("Year", std::to_string(y.end_year));
  x.Leaf("ReferenceDate", y.end);
  x.Close("CollectionDetails");
  x.Open("Source");
  x.Leaf("SourceLevel", "L");
  x.Leaf("LEA", options.la_code);
  x.Leaf("SoftwareCode", options.software_code);
  x.Leaf("Release", options.release);
  x.Leaf("SerialNo", options.serial_no);
  x.Leaf("DateTime", options.generated_at);
  x.Close("Source");
  x.Close("Header");
  x.Open("Children");
  for (const auto& [id, child] : cin::FoldChildren(events, y.end, f))
    WriteChild(x, id, child, y, calendar, f);
  x.Close("Children");
  x.Close("Message");
  return std::move(x.text());
}

}  // namespace sightline::domain::returns
