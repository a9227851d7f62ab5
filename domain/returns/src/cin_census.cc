#include "sightline/domain/returns/cin_census.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <map>
#include <optional>
#include <set>
#include <vector>

#include "sightline/domain/events/census_codes.h"
#include "sightline/domain/events/effective.h"

namespace sightline::domain::returns {

namespace {

namespace v1 = events::v1;
using P = v1::Envelope::PayloadCase;

// CIN census referral source codes for Sightline's agencies.
std::string ReferralSource(v1::Agency a) {
  switch (a) {
    case v1::AGENCY_INDIVIDUAL:
      return "1A";  // Family member, relative or carer.
    case v1::AGENCY_SCHOOL:
      return "2A";
    case v1::AGENCY_EDUCATION_OTHER:
      return "2B";
    case v1::AGENCY_HEALTH_GP:
      return "3A";
    case v1::AGENCY_HEALTH_VISITOR_MIDWIFE:
      return "3B";
    case v1::AGENCY_HEALTH_HOSPITAL:
      return "3E";
    case v1::AGENCY_HEALTH_MENTAL:
    case v1::AGENCY_HEALTH_OTHER:
      return "3F";
    case v1::AGENCY_HOUSING:
      return "4";
    case v1::AGENCY_CHILDRENS_SOCIAL_CARE:
      return "5A";
    case v1::AGENCY_OTHER_LOCAL_AUTHORITY:
      return "5C";
    case v1::AGENCY_EARLY_HELP:
      return "5D";
    case v1::AGENCY_POLICE:
      return "6";
    case v1::AGENCY_PROBATION:
    case v1::AGENCY_YOUTH_JUSTICE:
      return "7";
    case v1::AGENCY_VOLUNTARY_SECTOR:
    case v1::AGENCY_OTHER:
      return "8";
    case v1::AGENCY_ANONYMOUS:
      return "9";
    default:
      return "10";  // Unknown.
  }
}

// The primary need a contact's first concern points to, when no assessment or plan said one.
std::string NeedFromConcern(v1::ConcernCategory c) {
  switch (c) {
    case v1::CONCERN_CATEGORY_NEGLECT:
    case v1::CONCERN_CATEGORY_PHYSICAL_ABUSE:
    case v1::CONCERN_CATEGORY_SEXUAL_ABUSE:
    case v1::CONCERN_CATEGORY_EMOTIONAL_ABUSE:
    case v1::CONCERN_CATEGORY_SEXUAL_EXPLOITATION:
    case v1::CONCERN_CATEGORY_CRIMINAL_EXPLOITATION:
      return "N1";
    case v1::CONCERN_CATEGORY_CHILD_DISABILITY:
      return "N2";
    case v1::CONCERN_CATEGORY_PARENTAL_MENTAL_HEALTH:
    case v1::CONCERN_CATEGORY_PARENTAL_SUBSTANCE_MISUSE:
      return "N3";
    case v1::CONCERN_CATEGORY_HOUSING_HOMELESSNESS:
      return "N4";
    case v1::CONCERN_CATEGORY_DOMESTIC_ABUSE:
      return "N5";
    case v1::CONCERN_CATEGORY_MISSING_FROM_HOME:
    case v1::CONCERN_CATEGORY_SELF_HARM:
    case v1::CONCERN_CATEGORY_SCHOOL_ATTENDANCE:
      return "N6";
    default:
      return "N0";
  }
}

std::string AbuseCode(v1::AbuseCategory c) {
  switch (c) {
    case v1::ABUSE_CATEGORY_NEGLECT:
      return "NEG";
    case v1::ABUSE_CATEGORY_PHYSICAL:
      return "PHY";
    case v1::ABUSE_CATEGORY_SEXUAL:
      return "SAB";
    case v1::ABUSE_CATEGORY_EMOTIONAL:
      return "EMO";
    case v1::ABUSE_CATEGORY_MULTIPLE:
      return "MUL";
    default:
      return "";
  }
}

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
  v1::ChildDetailsRecorded details;
  std::vector<Episode> episodes;
};

class Folder {
 public:
  explicit Folder(CinCensusFigures& figures) : f_(figures) {}

  void Apply(const v1::Envelope& e) {
    Day day = LocalDay(ToInstant(e.occurred_at()));
    switch (e.payload_case()) {
      case P::kChildDetailsRecorded:
        child_.details = e.child_details_recorded();
        break;
      case P::kContactReceived: {
        const auto& c = e.contact_received();
        contacts_[e.refs().contact_id()] = {
            ReferralSource(c.source()),
            c.concerns_size() > 0 ? NeedFromConcern(c.concerns(0)) : std::string("N0")};
        break;
      }
      case P::kContactDecided: {
        auto d = e.contact_decided().decision();
        if (d != v1::CONTACT_DECISION_S17_ASSESSMENT && d != v1::CONTACT_DECISION_S47_STRATEGY)
          break;
        referred_contacts_.insert(e.refs().contact_id());
        if (Episode* open = OpenEpisode()) {  // A referral while open joins the episode.
          by_referral_[e.refs().referral_id()] = Index(open);
          break;
        }
        Episode& ep = child_.episodes.emplace_back();
        ep.referral = day;
        if (auto it = contacts_.find(e.refs().contact_id()); it != contacts_.end()) {
          ep.source = it->second.first;
          ep.concern_need = it->second.second;
        }
        if (e.has_imported()) {  // What an imported return said of work before its year.
          ep.need = e.imported().cin_primary_need_code();
          ep.not_nfa_said = e.imported().cin_referral_not_nfa();
        }
        by_referral_[e.refs().referral_id()] = child_.episodes.size() - 1;
        break;
      }
      case P::kAssessmentStarted: {
        auto type = e.assessment_started().type();
        if (type == v1::ASSESSMENT_TYPE_EARLY_HELP || type == v1::ASSESSMENT_TYPE_S47) break;
        if (Episode* ep = Working(e)) {
          // An assessment started while another in the episode is under way is part of it
          // (rule 8863): the referral that brought it joined the episode.
          auto open = std::find_if(ep->assessments.begin(), ep->assessments.end(),
                                   [](const Assessment& a) { return !a.end; });
          if (open != ep->assessments.end()) {
            same_work_[e.refs().assessment_id()] = open->id;
            ++f_.assessments_joined;
            break;
          }
          Assessment& a = ep->assessments.emplace_back();
          a.id = e.refs().assessment_id();
          a.start = day;
        }
        break;
      }
      case P::kAssessmentCompleted: {
        Episode* ep = Working(e);
        if (ep == nullptr) break;
        for (Assessment& a : ep->assessments) {
          if (a.id != Same(e.refs().assessment_id())) continue;
          a.end = day;
          a.factors.assign(e.assessment_completed().factors().begin(),
                           e.assessment_completed().factors().end());
        }
        if (!e.assessment_completed().primary_need_code().empty())
          ep->need = e.assessment_completed().primary_need_code();
        break;
      }
      case P::kS47EnquiryStarted:
        if (Episode* ep = Working(e)) {
          // Likewise an enquiry started while another is open (rule 8890).
          auto open = std::find_if(ep->s47s.begin(), ep->s47s.end(), [](const Section47& x) {
            return !x.icpc && !x.icpc_not_required;
          });
          if (open != ep->s47s.end()) {
            same_work_[e.refs().s47_id()] = open->id;
            ++f_.section47_joined;
            break;
          }
          Section47& s47 = ep->s47s.emplace_back();
          s47.id = e.refs().s47_id();
          s47.start = day;
        }
        break;
      case P::kS47EnquiryCompleted:
        if (Section47* s = S47Of(e)) {
          if (e.s47_enquiry_completed().outcome() != v1::S47_OUTCOME_CONFERENCE_REQUIRED &&
              !s->icpc)
            s->icpc_not_required = true;
        }
        break;
      case P::kConferenceHeld: {
        const auto& c = e.conference_held();
        if (c.type() == v1::CONFERENCE_TYPE_INITIAL) {
          if (Section47* s = S47Of(e); s != nullptr && !s->icpc) {
            s->icpc = day;
            s->icpc_not_required = false;
          }
        } else if (c.type() == v1::CONFERENCE_TYPE_REVIEW) {
          if (Plan* p = OpenCpPlan()) {
            AddReview(*p, day);
            if (c.category() != v1::ABUSE_CATEGORY_UNSPECIFIED)
              p->latest_category = AbuseCode(c.category());
          }
        }
        break;
      }
      case P::kPlanStarted: {
        const auto& p = e.plan_started();
        Episode* ep = Working(e);
        if (ep == nullptr) break;
        if (p.type() == v1::PLAN_TYPE_CHILD_IN_NEED) {
          if (!p.primary_need_code().empty()) ep->need = p.primary_need_code();
          // A child already on a child protection plan is not also on a CIN plan (rules 4001,
          // 4016); a CIN plan already open, or ended that day, simply continues (rule 4014).
          if (std::any_of(ep->cp_plans.begin(), ep->cp_plans.end(),
                          [](const Plan& cp) { return !cp.end; })) {
            ++f_.cin_plans_inside_cp_left_out;
            break;
          }
          if (!ep->cin_plans.empty() &&
              (!ep->cin_plans.back().end || *ep->cin_plans.back().end >= day)) {
            ep->cin_plans.back().end.reset();
            ++f_.cin_plans_continued;
            break;
          }
          Plan& plan = ep->cin_plans.emplace_back();
          plan.id = e.refs().plan_id();
          plan.start = day;
        } else if (p.type() == v1::PLAN_TYPE_CHILD_PROTECTION) {
          // A child in need plan does not run beside a child protection plan: stepped up.
          EndOpen(ep->cin_plans, day, EndedBy::kCpPlan);
          if (std::any_of(ep->cp_plans.begin(), ep->cp_plans.end(),
                          [](const Plan& cp) { return !cp.end; }))
            break;  // Already on a child protection plan: it continues.
          Plan& plan = ep->cp_plans.emplace_back();
          plan.id = e.refs().plan_id();
          plan.start = day;
          plan.initial_category = plan.latest_category = AbuseCode(p.category());
          // Plans before Sightline's history (an imported return's count) come first.
          plan.previous_cp_plans = child_.details.earlier_cp_plans() + cp_plans_before_++;
        }
        break;
      }
      case P::kPlanReviewed:
        if (e.plan_reviewed().type() == v1::PLAN_TYPE_CHILD_PROTECTION) {
          if (Plan* p = OpenCpPlan()) AddReview(*p, day);
        }
        break;
      case P::kPlanEnded: {
        Episode* ep = EpisodeOf(e);
        if (ep == nullptr) break;
        auto& plans =
            e.plan_ended().type() == v1::PLAN_TYPE_CHILD_PROTECTION ? ep->cp_plans : ep->cin_plans;
        for (Plan& p : plans)
          if (!p.end && (p.id == e.refs().plan_id() || e.refs().plan_id().empty())) {
            p.end = day;
            p.ended_by = EndedBy::kEvent;
          }
        break;
      }
      case P::kCaseClosed: {
        // A closure names its referral, or closes the open episode; the closure of a contact
        // that never became a referral (no further action at the front door) is not an episode's.
        const std::string& referral = e.refs().referral_id();
        if (referral.empty() && !e.refs().contact_id().empty() &&
            !referred_contacts_.contains(e.refs().contact_id()))
          break;
        Episode* ep = OpenEpisode();
        if (ep == nullptr) break;
        // A case is not closed while an assessment or an enquiry is still under way (rules
        // 8867, 8868): such a closure is left out.
        bool working = std::any_of(ep->assessments.begin(), ep->assessments.end(),
                                   [](const Assessment& a) { return !a.end; }) ||
                       std::any_of(ep->s47s.begin(), ep->s47s.end(), [](const Section47& s47) {
                         return !s47.icpc && !s47.icpc_not_required;
                       });
        if (working) {
          ++f_.closures_with_work_open_left_out;
          break;
        }
        ep->closed = day;
        EndOpen(ep->cin_plans, day, EndedBy::kClosure);
        EndOpen(ep->cp_plans, day, EndedBy::kClosure);
        ep->closure_reason = e.case_closed().cin_closure_reason();
        ep->closure_derived = ep->closure_reason.empty();
        if (ep->closure_derived) ep->closure_reason = DerivedClosure(*ep, e.case_closed().reason());
        break;
      }
      default:
        break;
    }
  }

  Child Finish(std::string la_child_id) {
    child_.la_child_id = std::move(la_child_id);
    return std::move(child_);
  }

 private:
  static void EndOpen(std::vector<Plan>& plans, Day day, EndedBy by) {
    for (Plan& p : plans) {
      if (!p.end) {
        p.end = std::max(day, p.start);
        p.ended_by = by;
      }
    }
  }
  static void AddReview(Plan& p, Day day) {
    if (day > p.start && std::find(p.reviews.begin(), p.reviews.end(), day) == p.reviews.end())
      p.reviews.push_back(day);
  }
  static std::string DerivedClosure(const Episode& ep, v1::ClosureReason reason) {
    // RC8 and RC9 say the case closed after an assessment and nothing more: no section 47
    // enquiry, no plan (rule 2990).
    bool assessed = std::any_of(ep.assessments.begin(), ep.assessments.end(),
                                [](const Assessment& a) { return a.end.has_value(); });
    bool planned = !ep.cin_plans.empty() || !ep.cp_plans.empty() || !ep.s47s.empty();
    switch (reason) {
      case v1::CLOSURE_REASON_DIED:
        return "RC2";
      case v1::CLOSURE_REASON_MOVED_AWAY:
        return "RC5";
      case v1::CLOSURE_REASON_TRANSFERRED_TO_ADULT_SERVICES:
        return "RC6";
      case v1::CLOSURE_REASON_TRANSFERRED_TO_EARLY_HELP:
        return assessed && !planned ? "RC9" : "RC7";
      case v1::CLOSURE_REASON_NO_FURTHER_ACTION:
        return assessed && !planned ? "RC8" : "RC7";
      default:
        return "RC7";
    }
  }
  Episode* OpenEpisode() {
    if (child_.episodes.empty() || !child_.episodes.back().Open()) return nullptr;
    return &child_.episodes.back();
  }
  std::size_t Index(const Episode* ep) const {
    return static_cast<std::size_t>(ep - child_.episodes.data());
  }
  // The episode a piece of work belongs to. Work recorded after its episode closed means the
  // case was not closed after all: the closure is undone (and the plans it ended reopen), and a
  // later closure closes it again.
  Episode* Working(const v1::Envelope& e) {
    Episode* ep = EpisodeOf(e);
    if (ep != nullptr && ep->closed && ep == &child_.episodes.back()) {
      ep->closed.reset();
      ep->closure_reason.clear();
      ep->closure_derived = false;
      for (auto* plans : {&ep->cin_plans, &ep->cp_plans})
        for (Plan& p : *plans)
          if (p.end && p.ended_by == EndedBy::kClosure) p.end.reset();
      ++f_.closures_undone_by_later_work;
    }
    return ep;
  }
  // The episode an event belongs to: its referral's, else the open one.
  Episode* EpisodeOf(const v1::Envelope& e) {
    if (auto it = by_referral_.find(e.refs().referral_id());
        !e.refs().referral_id().empty() && it != by_referral_.end())
      return &child_.episodes[it->second];
    return OpenEpisode();
  }
  Section47* S47Of(const v1::Envelope& e) {
    Episode* ep = Working(e);
    if (ep == nullptr || ep->s47s.empty()) return nullptr;
    for (Section47& s : ep->s47s)
      if (!e.refs().s47_id().empty() && s.id == Same(e.refs().s47_id())) return &s;
    return &ep->s47s.back();
  }
  // The piece of work an assessment or enquiry id was joined to, or the id itself.
  const std::string& Same(const std::string& id) const {
    auto it = same_work_.find(id);
    return it == same_work_.end() ? id : it->second;
  }
  Plan* OpenCpPlan() {
    for (auto ep = child_.episodes.rbegin(); ep != child_.episodes.rend(); ++ep)
      for (Plan& p : ep->cp_plans)
        if (!p.end) return &p;
    return nullptr;
  }

  CinCensusFigures& f_;
  Child child_;
  std::map<std::string, std::pair<std::string, std::string>> contacts_;  // source, need
  std::map<std::string, std::size_t> by_referral_;
  std::set<std::string> referred_contacts_;
  std::map<std::string, std::string> same_work_;  // Joined assessment or enquiry -> its work.
  int cp_plans_before_ = 0;
};

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
  // Each child's events up to the year's last day, in the log's order; children in id order.
  std::map<std::string, std::vector<v1::Envelope>> by_child;
  for (const v1::Envelope& e : events) {
    if (e.child_id().empty()) continue;
    if (LocalDay(ToInstant(e.occurred_at())) > y.end && !e.has_correction()) continue;
    by_child[e.child_id()].push_back(e);
  }
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
  for (const auto& [id, list] : by_child) {
    Effective eff = Resolve(list);
    Folder folder(f);
    for (const v1::Envelope* e : eff.events) {
      if (LocalDay(ToInstant(e->occurred_at())) > y.end) continue;  // Amended past the year.
      folder.Apply(*e);
    }
    Child child = folder.Finish(LaChildId(id));
    WriteChild(x, id, child, y, calendar, f);
  }
  x.Close("Children");
  x.Close("Message");
  return std::move(x.text());
}

}  // namespace sightline::domain::returns
