#include "sightline/domain/returns/cin_census_import.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <optional>

#include "sightline/core/ids.h"
#include "sightline/core/time.h"
#include "sightline/domain/calendar/calendar.h"
#include "sightline/domain/events/census_codes.h"

namespace sightline::domain::returns {

const XmlElement* XmlElement::Child(std::string_view child_name) const {
  for (const XmlElement& c : children)
    if (c.name == child_name) return &c;
  return nullptr;
}

std::string_view XmlElement::ChildText(std::string_view child_name) const {
  const XmlElement* c = Child(child_name);
  return c == nullptr ? std::string_view() : std::string_view(c->text);
}

namespace {

namespace v1 = events::v1;

v1::Agency AgencyOf(std::string_view code, bool& approximate) {
  static const std::map<std::string_view, v1::Agency> kExact = {
      {"1A", v1::AGENCY_INDIVIDUAL},
      {"2A", v1::AGENCY_SCHOOL},
      {"2B", v1::AGENCY_EDUCATION_OTHER},
      {"3A", v1::AGENCY_HEALTH_GP},
      {"3B", v1::AGENCY_HEALTH_VISITOR_MIDWIFE},
      {"3E", v1::AGENCY_HEALTH_HOSPITAL},
      {"3F", v1::AGENCY_HEALTH_OTHER},
      {"4", v1::AGENCY_HOUSING},
      {"5A", v1::AGENCY_CHILDRENS_SOCIAL_CARE},
      {"5C", v1::AGENCY_OTHER_LOCAL_AUTHORITY},
      {"5D", v1::AGENCY_EARLY_HELP},
      {"6", v1::AGENCY_POLICE},
      {"7", v1::AGENCY_PROBATION},
      {"8", v1::AGENCY_OTHER},
      {"9", v1::AGENCY_ANONYMOUS},
      {"10", v1::AGENCY_UNSPECIFIED}};
  if (auto it = kExact.find(code); it != kExact.end()) return it->second;
  // Finer census codes that Sightline's agencies do not tell apart.
  approximate = true;
  if (code.starts_with("1")) return v1::AGENCY_INDIVIDUAL;
  if (code.starts_with("2")) return v1::AGENCY_EDUCATION_OTHER;
  if (code.starts_with("3")) return v1::AGENCY_HEALTH_OTHER;
  if (code.starts_with("5")) return v1::AGENCY_OTHER_LOCAL_AUTHORITY;
  return v1::AGENCY_OTHER;
}

// The contact's concern, from the primary need (the census export's NeedFromConcern, reversed).
std::optional<v1::ConcernCategory> ConcernOf(std::string_view need) {
  static const std::map<std::string_view, v1::ConcernCategory> kConcern = {
      {"N0", v1::CONCERN_CATEGORY_OTHER},
      {"N1", v1::CONCERN_CATEGORY_NEGLECT},
      {"N2", v1::CONCERN_CATEGORY_CHILD_DISABILITY},
      {"N3", v1::CONCERN_CATEGORY_PARENTAL_MENTAL_HEALTH},
      {"N4", v1::CONCERN_CATEGORY_HOUSING_HOMELESSNESS},
      {"N5", v1::CONCERN_CATEGORY_DOMESTIC_ABUSE},
      {"N6", v1::CONCERN_CATEGORY_MISSING_FROM_HOME}};
  auto it = kConcern.find(need);
  if (it == kConcern.end()) return std::nullopt;
  return it->second;
}

std::optional<v1::AbuseCategory> AbuseOf(std::string_view code) {
  if (code == "NEG") return v1::ABUSE_CATEGORY_NEGLECT;
  if (code == "PHY") return v1::ABUSE_CATEGORY_PHYSICAL;
  if (code == "SAB") return v1::ABUSE_CATEGORY_SEXUAL;
  if (code == "EMO") return v1::ABUSE_CATEGORY_EMOTIONAL;
  if (code == "MUL") return v1::ABUSE_CATEGORY_MULTIPLE;
  return std::nullopt;
}

v1::ClosureReason ClosureOf(std::string_view code) {
  if (code == "RC2") return v1::CLOSURE_REASON_DIED;
  if (code == "RC5") return v1::CLOSURE_REASON_MOVED_AWAY;
  if (code == "RC6") return v1::CLOSURE_REASON_TRANSFERRED_TO_ADULT_SERVICES;
  if (code == "RC9") return v1::CLOSURE_REASON_TRANSFERRED_TO_EARLY_HELP;
  return v1::CLOSURE_REASON_NO_FURTHER_ACTION;
}

// Where an event falls within its day, so that the fold reads the day as the return meant it:
// work that started on an earlier day ends first, then an episode referred earlier closes, then
// a new referral arrives, then work starts, then work started that same day ends, and last an
// episode referred that same day closes (a referral with no further action).
enum Rank { kEndsEarlierWork, kClosesEarlier, kReferral, kStart, kEndsSameDayWork, kClosesSameDay };

struct Pending {
  Day day;
  Rank rank;
  v1::Envelope event;
};

class ChildImport {
 public:
  ChildImport(const XmlElement& child, int position, const CinImportOptions& options,
              CinImportFigures& figures)
      : child_(child), position_(position), options_(options), f_(figures) {}

  Status Run(std::vector<v1::Envelope>& out) {
    const XmlElement* ids = child_.Child("ChildIdentifiers");
    if (ids == nullptr) return Bad("ChildIdentifiers", "missing");
    id_ = std::string(ids->ChildText("LAchildID"));
    if (id_.empty() || !IsWellFormedId(id_) || id_.size() > 20)
      return Bad("LAchildID", "1 to 20 letters and digits");
    v1::ChildDetailsRecorded details;
    if (Status s = Details(*ids, details); !s.ok()) return s;
    const XmlElement* episodes_first = child_.Child("CINdetails");
    if (episodes_first == nullptr)
      return Bad("CINdetails", "a child in the census has at least one");
    bool first = true;
    int cp_index = 0;
    std::optional<int> earlier_cp;
    for (const XmlElement& ep : child_.children) {
      if (ep.name != "CINdetails") continue;
      if (Status s = Episode(ep, first, details, cp_index, earlier_cp); !s.ok()) return s;
      first = false;
      ++f_.episodes;
    }
    // The first event (the first referral's details) carries the plans before the log.
    for (Pending& p : pending_)
      if (p.event.has_child_details_recorded()) {
        p.event.mutable_child_details_recorded()->set_earlier_cp_plans(earlier_cp.value_or(0));
        break;
      }
    std::stable_sort(pending_.begin(), pending_.end(), [](const Pending& a, const Pending& b) {
      return a.day != b.day ? a.day < b.day : a.rank < b.rank;
    });
    // One second apart from 08:00 local, in that order.
    std::optional<Day> day;
    int n = 0;
    for (Pending& p : pending_) {
      n = day == p.day ? n + 1 : 0;
      day = p.day;
      *p.event.mutable_occurred_at() =
          ToTimestamp(LocalMidnight(p.day) + std::chrono::hours(8) + std::chrono::seconds(n));
      out.push_back(std::move(p.event));
      ++f_.events;
    }
    ++f_.children;
    return Status::Ok();
  }

 private:
  Status Bad(const std::string& element, const std::string& why) const {
    return InvalidArgument("child " + std::to_string(position_) +
                           (id_.empty() ? "" : " (LAchildID " + id_ + ")") + ": <" + element +
                           "> " + why);
  }

  Status DayOf(const XmlElement& parent, std::string_view name, std::optional<Day>& day,
               bool required) const {
    std::string_view text = parent.ChildText(name);
    if (text.empty()) {
      if (required) return Bad(std::string(name), "missing");
      day.reset();
      return Status::Ok();
    }
    day = ParseDay(text);
    if (!day) return Bad(std::string(name), "not a date (YYYY-MM-DD): '" + std::string(text) + "'");
    // Times are kept in nanoseconds from 1970 (about 1678 to 2262): a census date is far inside.
    using std::chrono::year;
    if (*day < std::chrono::sys_days(year(1900) / 1 / 1) ||
        *day > std::chrono::sys_days(year(2199) / 12 / 31))
      return Bad(std::string(name),
                 "not a date between 1900 and 2199: '" + std::string(text) + "'");
    return Status::Ok();
  }

  Status Details(const XmlElement& ids, v1::ChildDetailsRecorded& d) {
    d.set_upn(std::string(ids.ChildText("UPN")));
    d.set_former_upn(std::string(ids.ChildText("FormerUPN")));
    d.set_upn_unknown_reason(std::string(ids.ChildText("UPNunknown")));
    if (!d.upn().empty() && !census::IsUpn(d.upn())) return Bad("UPN", "not a unique pupil number");
    if (!d.former_upn().empty() && !census::IsUpn(d.former_upn()))
      return Bad("FormerUPN", "not a unique pupil number");
    if (!d.upn_unknown_reason().empty() && !census::IsUpnUnknownReason(d.upn_unknown_reason()))
      return Bad("UPNunknown", "one of UN1-UN10");
    std::optional<Day> born, expected;
    if (Status s = DayOf(ids, "PersonBirthDate", born, false); !s.ok()) return s;
    if (Status s = DayOf(ids, "ExpectedPersonBirthDate", expected, false); !s.ok()) return s;
    if (born) {
      d.set_date_of_birth(FormatDay(*born));
    } else if (expected) {
      d.set_unborn(true);
      d.set_expected_date(FormatDay(*expected));
    } else {
      return Bad("PersonBirthDate", "missing (and no ExpectedPersonBirthDate)");
    }
    std::string_view sex = ids.ChildText("Sex");
    d.set_gender(sex == "M"   ? v1::GENDER_MALE
                 : sex == "F" ? v1::GENDER_FEMALE
                              : v1::GENDER_NOT_KNOWN);
    if (const XmlElement* ch = child_.Child("ChildCharacteristics")) {
      d.set_ethnicity(std::string(ch->ChildText("Ethnicity")));
      if (const XmlElement* dis = ch->Child("Disabilities")) {
        for (const XmlElement& code : dis->children) {
          if (code.name != "Disability") continue;
          if (!census::IsDisabilityCode(code.text))
            return Bad("Disability", "not a census disability code: '" + code.text + "'");
          d.add_disability_codes(code.text);
        }
      }
    }
    bool none = d.disability_codes().empty() ||
                (d.disability_codes_size() == 1 && d.disability_codes(0) == "NONE");
    d.set_disability(none ? v1::DISABILITY_NONE : v1::DISABILITY_YES);
    return Status::Ok();
  }

  v1::Envelope& Add(Day day, Rank rank, const std::string& suffix) {
    Pending& p = pending_.emplace_back();
    p.day = day;
    p.rank = rank;
    v1::Envelope& e = p.event;
    e.set_event_id("cin-" + id_ + "-" + suffix);
    e.set_child_id(id_);
    e.mutable_actor()->set_user_id(options_.actor_id);
    e.mutable_actor()->set_role(options_.actor_role);
    e.set_source_agency(v1::AGENCY_CHILDRENS_SOCIAL_CARE);  // Recorded by the council.
    e.mutable_imported()->set_source(options_.source);
    if (!referral_id_.empty()) e.mutable_refs()->set_referral_id(referral_id_);
    return e;
  }

  // Ends work: before the day's new work if it started earlier, after it if that same day.
  static Rank EndRank(Day start, Day end) {
    return end > start ? kEndsEarlierWork : kEndsSameDayWork;
  }

  Status Episode(const XmlElement& ep, bool first, const v1::ChildDetailsRecorded& details,
                 int& cp_index, std::optional<int>& earlier_cp) {
    std::optional<Day> referral, closed;
    if (Status s = DayOf(ep, "CINreferralDate", referral, true); !s.ok()) return s;
    if (Status s = DayOf(ep, "CINclosureDate", closed, false); !s.ok()) return s;
    std::string r = "r" + Compact(*referral);
    referral_id_.clear();
    std::string need(ep.ChildText("PrimaryNeedCode"));
    if (!census::IsPrimaryNeedCode(need)) return Bad("PrimaryNeedCode", "one of N0-N9");
    if (first) {
      v1::Envelope& e = Add(*referral, kReferral, "details");
      *e.mutable_child_details_recorded() = details;
    }
    bool approximate = false;
    v1::Agency source = AgencyOf(ep.ChildText("ReferralSource"), approximate);
    {
      v1::Envelope& e = Add(*referral, kReferral, r + "-contact");
      e.mutable_refs()->set_contact_id("cin-" + id_ + "-" + r);
      if (source != v1::AGENCY_UNSPECIFIED) e.set_source_agency(source);
      e.mutable_contact_received()->set_source(source);
      auto concern = ConcernOf(need);
      e.mutable_contact_received()->add_concerns(concern.value_or(v1::CONCERN_CATEGORY_OTHER));
    }
    referral_id_ = "cin-" + id_ + "-" + r;
    {
      v1::Envelope& e = Add(*referral, kReferral, r + "-decided");
      e.mutable_refs()->set_contact_id(referral_id_);
      e.mutable_contact_decided()->set_decision(v1::CONTACT_DECISION_S17_ASSESSMENT);
      // What the return says of the episode, though its work before the year is not in it.
      e.mutable_imported()->set_cin_primary_need_code(need);
      e.mutable_imported()->set_cin_referral_not_nfa(ep.ChildText("ReferralNFA") == "0");
    }
    // The episode's primary need is said by the referral (imported), its last completed
    // assessment and its CIN plans.
    const XmlElement* last_done = nullptr;
    for (const XmlElement& a : ep.children)
      if (a.name == "Assessments" && !a.ChildText("AssessmentAuthorisationDate").empty())
        last_done = &a;
    bool has_cin_plan = ep.Child("CINPlanDates") != nullptr;

    // What the assessments led to, as far as the return tells.
    std::string_view closure = ep.ChildText("ReasonForClosure");
    v1::AssessmentOutcome outcome = has_cin_plan       ? v1::ASSESSMENT_OUTCOME_CHILD_IN_NEED_PLAN
                                    : closure == "RC8" ? v1::ASSESSMENT_OUTCOME_NO_FURTHER_ACTION
                                    : closure == "RC9" ? v1::ASSESSMENT_OUTCOME_EARLY_HELP
                                                       : v1::ASSESSMENT_OUTCOME_OTHER;
    for (const XmlElement& w : ep.children) {
      Status s = Status::Ok();
      if (w.name == "Assessments") s = AssessmentOf(w, r, need, &w == last_done, outcome);
      if (w.name == "CINPlanDates") s = CinPlanOf(w, r, need);
      if (w.name == "Section47") s = Section47Of(w, r);
      if (w.name == "ChildProtectionPlans") s = CpPlanOf(w, r, cp_index, earlier_cp, approximate);
      if (!s.ok()) return s;
    }
    if (closed) {
      std::string reason(ep.ChildText("ReasonForClosure"));
      if (!census::IsClosureReasonCode(reason)) return Bad("ReasonForClosure", "one of RC1-RC9");
      v1::Envelope& e =
          Add(*closed, *closed > *referral ? kClosesEarlier : kClosesSameDay, r + "-closed");
      e.mutable_case_closed()->set_reason(ClosureOf(reason));
      e.mutable_case_closed()->set_cin_closure_reason(reason);
    }
    if (approximate) ++f_.approximations;
    return Status::Ok();
  }

  Status AssessmentOf(const XmlElement& a, const std::string& r, const std::string& need,
                      bool says_need, v1::AssessmentOutcome outcome) {
    std::optional<Day> start, end;
    if (Status s = DayOf(a, "AssessmentActualStartDate", start, true); !s.ok()) return s;
    if (Status s = DayOf(a, "AssessmentAuthorisationDate", end, false); !s.ok()) return s;
    std::string id = "cin-" + id_ + "-" + r + "-a" + Compact(*start);
    v1::Envelope& st = Add(*start, kStart, r + "-a" + Compact(*start));
    st.mutable_refs()->set_assessment_id(id);
    st.mutable_assessment_started()->set_type(v1::ASSESSMENT_TYPE_S17_CHILD_AND_FAMILY);
    if (!end) return Status::Ok();
    if (*end < *start) return Bad("AssessmentAuthorisationDate", "before the assessment started");
    v1::Envelope& done = Add(*end, EndRank(*start, *end), r + "-a" + Compact(*start) + "-done");
    done.mutable_refs()->set_assessment_id(id);
    auto* c = done.mutable_assessment_completed();
    c->set_type(v1::ASSESSMENT_TYPE_S17_CHILD_AND_FAMILY);
    c->set_child_seen(v1::SEEN_STATUS_NOT_RECORDED);  // The census does not say.
    c->set_outcome(outcome);
    if (const XmlElement* factors = a.Child("FactorsIdentifiedAtAssessment")) {
      for (const XmlElement& factor : factors->children)
        if (factor.name == "AssessmentFactors") c->add_factors(factor.text);
    }
    if (says_need) c->set_primary_need_code(need);
    return Status::Ok();
  }

  Status CinPlanOf(const XmlElement& p, const std::string& r, const std::string& need) {
    std::optional<Day> start, end;
    if (Status s = DayOf(p, "CINPlanStartDate", start, true); !s.ok()) return s;
    if (Status s = DayOf(p, "CINPlanEndDate", end, false); !s.ok()) return s;
    std::string suffix = r + "-cin" + Compact(*start);
    v1::Envelope& st = Add(*start, kStart, suffix);
    st.mutable_refs()->set_plan_id("cin-" + id_ + "-" + suffix);
    st.mutable_plan_started()->set_type(v1::PLAN_TYPE_CHILD_IN_NEED);
    st.mutable_plan_started()->set_primary_need_code(need);
    if (!end) return Status::Ok();
    if (*end < *start) return Bad("CINPlanEndDate", "before the plan started");
    v1::Envelope& e = Add(*end, EndRank(*start, *end), suffix + "-ended");
    e.mutable_refs()->set_plan_id("cin-" + id_ + "-" + suffix);
    e.mutable_plan_ended()->set_type(v1::PLAN_TYPE_CHILD_IN_NEED);
    e.mutable_plan_ended()->set_reason(v1::PLAN_END_REASON_OTHER);  // The census does not say.
    return Status::Ok();
  }

  Status Section47Of(const XmlElement& s47, const std::string& r) {
    std::optional<Day> start, icpc;
    if (Status s = DayOf(s47, "S47ActualStartDate", start, true); !s.ok()) return s;
    if (Status s = DayOf(s47, "DateOfInitialCPC", icpc, false); !s.ok()) return s;
    std::string suffix = r + "-s" + Compact(*start);
    std::string id = "cin-" + id_ + "-" + suffix;
    v1::Envelope& st = Add(*start, kStart, suffix);
    st.mutable_refs()->set_s47_id(id);
    st.mutable_s47_enquiry_started();
    if (icpc) {
      if (*icpc < *start) return Bad("DateOfInitialCPC", "before the enquiry started");
      v1::Envelope& c = Add(*icpc, EndRank(*start, *icpc), suffix + "-icpc");
      c.mutable_refs()->set_s47_id(id);
      c.mutable_refs()->set_conference_id(id + "-icpc");
      c.mutable_conference_held()->set_type(v1::CONFERENCE_TYPE_INITIAL);
    } else if (s47.ChildText("ICPCnotRequired") == "1") {
      v1::Envelope& c = Add(*start, kEndsSameDayWork, suffix + "-done");
      c.mutable_refs()->set_s47_id(id);
      c.mutable_s47_enquiry_completed()->set_outcome(v1::S47_OUTCOME_CONCERNS_NOT_SUBSTANTIATED);
    }
    return Status::Ok();
  }

  Status CpPlanOf(const XmlElement& p, const std::string& r, int& cp_index,
                  std::optional<int>& earlier_cp, bool& approximate) {
    std::optional<Day> start, end;
    if (Status s = DayOf(p, "CPPstartDate", start, true); !s.ok()) return s;
    if (Status s = DayOf(p, "CPPendDate", end, false); !s.ok()) return s;
    auto initial = AbuseOf(p.ChildText("InitialCategoryOfAbuse"));
    if (!initial) return Bad("InitialCategoryOfAbuse", "one of NEG, PHY, SAB, EMO, MUL");
    auto latest = AbuseOf(p.ChildText("LatestCategoryOfAbuse"));
    if (!latest) return Bad("LatestCategoryOfAbuse", "one of NEG, PHY, SAB, EMO, MUL");
    int previous = 0;
    std::string_view previous_text = p.ChildText("NumberOfPreviousCPP");
    if (previous_text.empty() || previous_text.size() > 2 ||
        !std::all_of(previous_text.begin(), previous_text.end(),
                     [](char c) { return c >= '0' && c <= '9'; }))
      return Bad("NumberOfPreviousCPP", "0 to 99");
    for (char c : previous_text) previous = previous * 10 + (c - '0');
    // Plans before the first one here happened before Sightline's history of the child.
    if (!earlier_cp) earlier_cp = std::max(0, previous - cp_index);
    if (*earlier_cp + cp_index != previous) approximate = true;
    ++cp_index;
    std::string suffix = r + "-cp" + Compact(*start);
    std::string plan_id = "cin-" + id_ + "-" + suffix;
    v1::Envelope& st = Add(*start, kStart, suffix);
    st.mutable_refs()->set_plan_id(plan_id);
    st.mutable_plan_started()->set_type(v1::PLAN_TYPE_CHILD_PROTECTION);
    st.mutable_plan_started()->set_category(*initial);
    std::vector<Day> reviews;
    for (const XmlElement& rv : p.children) {
      if (rv.name != "Reviews") continue;
      std::optional<Day> day;
      if (Status s = DayOf(rv, "CPPreviewDate", day, true); !s.ok()) return s;
      if (*day <= *start) return Bad("CPPreviewDate", "not after the plan started");
      reviews.push_back(*day);
    }
    std::sort(reviews.begin(), reviews.end());
    // The latest category is the last review's; with no review to say it, it is the initial one.
    if (reviews.empty() && *latest != *initial) approximate = true;
    for (std::size_t i = 0; i < reviews.size(); ++i) {
      v1::Envelope& c = Add(reviews[i], kEndsEarlierWork, suffix + "-rv" + Compact(reviews[i]));
      c.mutable_refs()->set_plan_id(plan_id);
      c.mutable_refs()->set_conference_id(plan_id + "-rv" + Compact(reviews[i]));
      c.mutable_conference_held()->set_type(v1::CONFERENCE_TYPE_REVIEW);
      c.mutable_conference_held()->set_plan_required(true);
      c.mutable_conference_held()->set_category(i + 1 == reviews.size() ? *latest : *initial);
    }
    if (!end) return Status::Ok();
    if (*end < *start) return Bad("CPPendDate", "before the plan started");
    v1::Envelope& e = Add(*end, EndRank(*start, *end), suffix + "-ended");
    e.mutable_refs()->set_plan_id(plan_id);
    e.mutable_plan_ended()->set_type(v1::PLAN_TYPE_CHILD_PROTECTION);
    e.mutable_plan_ended()->set_reason(v1::PLAN_END_REASON_OTHER);
    return Status::Ok();
  }

  static std::string Compact(Day d) {
    std::string s = FormatDay(d);
    s.erase(std::remove(s.begin(), s.end(), '-'), s.end());
    return s;
  }

  const XmlElement& child_;
  int position_;
  const CinImportOptions& options_;
  CinImportFigures& f_;
  std::string id_;
  std::string referral_id_;
  std::vector<Pending> pending_;
};

}  // namespace

StatusOr<std::vector<v1::Envelope>> CinCensusEvents(const XmlElement& message,
                                                    const CinImportOptions& options,
                                                    CinImportFigures* figures) {
  CinImportFigures local;
  CinImportFigures& f = figures != nullptr ? *figures : local;
  f = {};
  if (message.name != "Message") return InvalidArgument("the root element is not <Message>");
  const XmlElement* header = message.Child("Header");
  const XmlElement* details = header ? header->Child("CollectionDetails") : nullptr;
  if (details == nullptr || details->ChildText("Collection") != "CIN")
    return InvalidArgument("<Header><CollectionDetails><Collection> is not CIN");
  if (options.source.empty()) return InvalidArgument("the import's source is required");
  if (!IsWellFormedId(options.actor_id))
    return InvalidArgument("who imports (a user id) is required");
  const XmlElement* children = message.Child("Children");
  if (children == nullptr) return InvalidArgument("<Children> is missing");
  std::vector<v1::Envelope> out;
  int position = 0;
  for (const XmlElement& child : children->children) {
    if (child.name != "Child") continue;
    ++position;
    if (Status s = ChildImport(child, position, options, f).Run(out); !s.ok()) return s;
  }
  return out;
}

}  // namespace sightline::domain::returns
