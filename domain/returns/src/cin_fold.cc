#include "cin_fold.h"

#include <algorithm>
#include <set>

#include "sightline/domain/events/effective.h"

namespace sightline::domain::returns::cin {

namespace v1 = events::v1;

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

namespace {

using P = v1::Envelope::PayloadCase;

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

}  // namespace

std::map<std::string, Child> FoldChildren(std::span<const events::v1::Envelope> events, Day until,
                                          CinCensusFigures& figures) {
  // Each child's events up to `until`, in the log's order; corrections whatever their date.
  std::map<std::string, std::vector<v1::Envelope>> by_child;
  for (const v1::Envelope& e : events) {
    if (e.child_id().empty()) continue;
    if (LocalDay(ToInstant(e.occurred_at())) > until && !e.has_correction()) continue;
    by_child[e.child_id()].push_back(e);
  }
  std::map<std::string, Child> out;
  for (const auto& [id, list] : by_child) {
    Effective eff = Resolve(list);
    Folder folder(figures);
    for (const v1::Envelope* e : eff.events) {
      if (LocalDay(ToInstant(e->occurred_at())) > until) continue;  // Amended past `until`.
      folder.Apply(*e);
    }
    out.emplace(id, folder.Finish(LaChildId(id)));
  }
  return out;
}

}  // namespace sightline::domain::returns::cin
