#include "sightline/simulator/simulate.h"

#include <algorithm>
#include <array>
#include <functional>
#include <optional>
#include <set>

#include "sightline/domain/calendar/calendar.h"
#include "sightline/domain/events/census_codes.h"
#include "sightline/domain/events/validation.h"
#include "sightline/simulator/random.h"

namespace sightline::domain {
namespace {

namespace v1 = events::v1;
using std::chrono::days;
using std::chrono::hours;
using std::chrono::minutes;

struct Household {
  std::string id;
  std::vector<std::string> children;
  std::string surname;
};

constexpr std::array<const char*, 24> kFirstNames = {
    "Amelia", "Oliver", "Isla", "George", "Ava",   "Noah", "Mia",   "Leo",
    "Freya",  "Arthur", "Lily", "Harry",  "Grace", "Jack", "Evie",  "Alfie",
    "Poppy",  "Oscar",  "Ruby", "Theo",   "Zara",  "Musa", "Aisha", "Kacper"};
constexpr std::array<const char*, 20> kSurnames = {
    "Smith",  "Jones", "Taylor", "Brown",  "Williams", "Wilson", "Johnson",
    "Davies", "Patel", "Wright", "Walker", "Evans",    "Khan",   "Hughes",
    "Nowak",  "Ahmed", "Clarke", "Turner", "Hill",     "Moore"};

// Skips Saturdays and Sundays only: the simulator needs plausible dates, not statutory ones.
Instant AddWeekdays(Instant from, int n) {
  auto day = std::chrono::floor<days>(from);
  auto time_of_day = from - day;
  while (n > 0) {
    day += days(1);
    std::chrono::weekday wd{day};
    if (wd != std::chrono::Saturday && wd != std::chrono::Sunday) --n;
  }
  return day + time_of_day;
}

bool IsWeekend(Instant t) {
  std::chrono::weekday wd{std::chrono::floor<days>(t)};
  return wd == std::chrono::Saturday || wd == std::chrono::Sunday;
}

class County {
 public:
  explicit County(const SimulationParams& p)
      : p_(p),
        rng_(p.seed),
        census_rng_(p.seed ^ 0x63656e737573ULL),
        start_(p.start_day),
        end_(p.start_day + days(p.days)) {}

  std::vector<v1::Envelope> Run() {
    for (int i = 0; i < p_.care_leavers; ++i) CareLeaver(i);
    // The county does not start empty: families already in early help, some of whom return.
    for (int i = 0; i < p_.contacts_per_day / 4; ++i) {
      bool repeat = false;
      Household& h = PickHousehold(repeat);
      Instant began = start_ - days(rng_.Between(20, 110)) + hours(10);
      if (!repeat) {
        for (const std::string& child : h.children) NewChild(h, child, began - minutes(1), rng_);
      }
      v1::CaseRefs refs;
      refs.set_contact_id(Id("contact"));
      EarlyHelp(h, h.children[0], refs, began);
    }
    for (int d = 0; d < p_.days; ++d) {
      Instant day = start_ + days(d);
      int n = IsWeekend(day) ? p_.contacts_per_day / 4 : p_.contacts_per_day;
      for (int c = 0; c < n; ++c) Contact(day);
      if (!IsWeekend(day) && rng_.Chance(0.5)) Audit(day);
    }
    std::sort(out_.begin(), out_.end(), [](const v1::Envelope& a, const v1::Envelope& b) {
      auto ta = ToInstant(a.recorded_at()), tb = ToInstant(b.recorded_at());
      return ta != tb ? ta < tb : a.event_id() < b.event_id();
    });
    return std::move(out_);
  }

 private:
  std::string Id(const char* kind) { return p_.id_prefix + "-" + kind + std::to_string(++seq_); }
  std::string Team() { return "team-" + std::to_string(rng_.Below(p_.teams) + 1); }
  std::string Worker(const std::string& team) {
    return team + "-sw" + std::to_string(rng_.Below(6) + 1);
  }
  std::string Manager(const std::string& team) { return team + "-tm1"; }

  // Adds an event unless it falls after the end of the period (the story is cut there).
  v1::Envelope* Emit(const std::string& child, const std::string& household, Instant occurred,
                     v1::Role role, const std::string& team, const v1::CaseRefs& refs,
                     minutes delay = minutes(0), Rng* draw = nullptr) {
    Instant recorded = occurred + minutes((draw != nullptr ? *draw : rng_).Between(1, 20)) + delay;
    if (recorded >= end_) return nullptr;
    v1::Envelope& e = out_.emplace_back();
    e.set_event_id(p_.id_prefix + "-ev" + std::to_string(++event_seq_));
    e.set_child_id(child);
    if (!household.empty()) e.set_household_id(household);
    *e.mutable_occurred_at() = ToTimestamp(occurred);
    *e.mutable_recorded_at() = ToTimestamp(recorded);
    e.mutable_actor()->set_user_id(role == v1::ROLE_SYSTEM ? "integration" : Worker(team));
    e.mutable_actor()->set_role(role);
    e.mutable_actor()->set_team_id(team);
    e.set_source_agency(v1::AGENCY_CHILDRENS_SOCIAL_CARE);
    *e.mutable_refs() = refs;
    return &e;
  }

  // An event the census details add (a birth, a closure, a plan's end): its delay is drawn from
  // their generator, so the main one draws exactly what it drew before they existed.
  v1::Envelope* CensusEmit(const std::string& child, const std::string& household, Instant occurred,
                           v1::Role role, const std::string& team, const v1::CaseRefs& refs) {
    return Emit(child, household, occurred, role, team, refs, minutes(0), &census_rng_);
  }

  Household& PickHousehold(bool& repeat) {
    repeat = !households_.empty() && rng_.Chance(0.22);
    if (repeat) return households_[rng_.Below(households_.size())];
    Household& h = households_.emplace_back();
    h.id = Id("hh");
    h.surname = kSurnames[rng_.Below(kSurnames.size())];
    int n = static_cast<int>(rng_.Weighted({45, 30, 17, 8})) + 1;
    for (int i = 0; i < n; ++i) h.children.push_back(Id("child"));
    return h;
  }

  // A child's details, household and siblings. `r` draws their values: the main generator for a
  // child met in a new household, the census one for a child first named by a later contact.
  void NewChild(const Household& h, const std::string& child, Instant at, Rng& r) {
    described_.insert(child);
    v1::CaseRefs none;
    std::optional<v1::ChildDetailsRecorded> unborn;
    if (auto* e = Emit(child, h.id, at, v1::ROLE_BUSINESS_SUPPORT, "mash", none, minutes(0), &r)) {
      auto* d = e->mutable_child_details_recorded();
      int age = static_cast<int>(r.Between(-1, 17));
      auto today = std::chrono::year_month_day{std::chrono::floor<days>(at)};
      if (age < 0) {
        d->set_unborn(true);
        // Due on the 28th: of this month, or of the next when that is not still to come.
        std::chrono::year_month due = today.year() / today.month();
        if (today.day() >= std::chrono::day(28)) due += std::chrono::months(1);
        d->set_expected_date(Date(due.year(), due.month(), 28));
        d->set_gender(v1::GENDER_NOT_KNOWN);
      } else {
        std::chrono::year born = today.year() - std::chrono::years(age);
        // The day is drawn before the month, as the arguments of the call this replaced were.
        auto day = r.Between(1, 28);
        auto month = std::chrono::month(static_cast<unsigned>(r.Between(1, 12)));
        // Never born after the day it is recorded: a birthday later in the year is last year's.
        if (std::chrono::sys_days(born / month / std::chrono::day(static_cast<unsigned>(day))) >
            std::chrono::floor<days>(at))
          born -= std::chrono::years(1);
        d->set_date_of_birth(Date(born, month, day));
        d->set_gender(r.Chance(0.5) ? v1::GENDER_FEMALE : v1::GENDER_MALE);
      }
      static constexpr std::array<const char*, 6> kEthnicity = {"WBRI", "WOTH", "MWBC",
                                                                "AIND", "BAFR", "NOBT"};
      d->set_ethnicity(kEthnicity[r.Weighted({70, 8, 6, 5, 5, 6})]);
      d->set_disability(r.Chance(0.08) ? v1::DISABILITY_YES : v1::DISABILITY_NONE);
      // School-age children have a unique pupil number; younger ones and the unborn have none
      // yet (UN1). A few disabled children have two kinds of disability recorded.
      if (age >= 4) {
        d->set_upn(census::MakeUpn(p_.la_code, ++upn_seq_ * 7919 + census_rng_.Between(0, 7918)));
      } else {
        d->set_upn_unknown_reason("UN1");
      }
      if (d->disability() == v1::DISABILITY_YES) {
        std::span<const std::string_view> codes = census::DisabilityCodes().subspan(1);
        std::size_t first = census_rng_.Below(codes.size());
        d->add_disability_codes(std::string(codes[first]));
        if (census_rng_.Chance(0.3))
          d->add_disability_codes(
              std::string(codes[(first + 1 + census_rng_.Below(codes.size() - 1)) % codes.size()]));
      } else {
        d->add_disability_codes("NONE");
      }
      if (d->unborn()) unborn = *d;
      d->set_name(age < 0
                      ? "Unborn " + h.surname
                      : std::string(kFirstNames[r.Below(kFirstNames.size())]) + " " + h.surname);
    }
    // An unborn child is born around the expected day, and the record says so.
    if (unborn) {
      v1::ChildDetailsRecorded born = *unborn;
      auto expected = ParseDay(born.expected_date());
      Instant birth = expected ? LocalMidnight(*expected) + hours(10) : at;
      if (expected && birth > at) {
        if (auto* e = CensusEmit(child, h.id, birth, v1::ROLE_BUSINESS_SUPPORT, "mash", none)) {
          born.set_unborn(false);
          born.set_date_of_birth(born.expected_date());
          born.clear_expected_date();
          born.set_gender(census_rng_.Chance(0.5) ? v1::GENDER_FEMALE : v1::GENDER_MALE);
          born.set_name(std::string(kFirstNames[census_rng_.Below(kFirstNames.size())]) + " " +
                        h.surname);
          *e->mutable_child_details_recorded() = born;
        }
      }
    }
    // A few records are restricted (a member of staff's relative, a high-profile family).
    if (r.Chance(0.01)) {
      if (auto* e = Emit(child, h.id, at, v1::ROLE_TEAM_MANAGER, "mash", none, minutes(0), &r)) {
        auto* restriction = e->mutable_access_restricted();
        restriction->set_level(r.Chance(0.5) ? v1::RESTRICTION_STAFF_OR_RELATIVE
                                             : v1::RESTRICTION_HIGH_PROFILE);
        restriction->set_reason("Restricted on the service manager's instruction.");
        restriction->set_review_by(FormatDay(std::chrono::floor<days>(at) + days(90)));
      }
    }
    if (auto* e = Emit(child, h.id, at, v1::ROLE_BUSINESS_SUPPORT, "mash", none, minutes(0), &r)) {
      e->mutable_household_linked()->set_household_id(h.id);
    }
    for (const std::string& sibling : h.children) {
      if (sibling == child) break;  // Link each pair once, to the elder record.
      if (auto* e =
              Emit(child, h.id, at, v1::ROLE_BUSINESS_SUPPORT, "mash", none, minutes(0), &r)) {
        e->mutable_sibling_linked()->set_sibling_child_id(sibling);
        e->mutable_sibling_linked()->set_relation(r.Chance(0.8) ? v1::SIBLING_RELATION_FULL
                                                                : v1::SIBLING_RELATION_HALF);
      }
    }
  }

  static std::string Date(std::chrono::year y, std::chrono::month m, std::int64_t d) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02d", int(y), unsigned(m), int(d));
    return buf;
  }

  Instant ContactTime(Instant day, v1::Agency source) {
    bool office = source != v1::AGENCY_POLICE || rng_.Chance(0.5);
    if (IsWeekend(day) || !office) return day + minutes(rng_.Between(0, std::int64_t{24} * 60 - 1));
    return day + hours(8) + minutes(rng_.Between(0, std::int64_t{10} * 60));
  }

  void Contact(Instant day) {
    static constexpr std::array<v1::Agency, 9> kSources = {v1::AGENCY_POLICE,
                                                           v1::AGENCY_SCHOOL,
                                                           v1::AGENCY_HEALTH_GP,
                                                           v1::AGENCY_HEALTH_HOSPITAL,
                                                           v1::AGENCY_HEALTH_VISITOR_MIDWIFE,
                                                           v1::AGENCY_INDIVIDUAL,
                                                           v1::AGENCY_ANONYMOUS,
                                                           v1::AGENCY_HOUSING,
                                                           v1::AGENCY_OTHER_LOCAL_AUTHORITY};
    v1::Agency source = kSources[rng_.Weighted({30, 20, 7, 6, 5, 10, 5, 9, 8})];
    Instant t0 = ContactTime(day, source);
    bool repeat = false;
    Household& h = PickHousehold(repeat);
    // A contact names the whole household or one child in it.
    std::vector<std::string> named =
        rng_.Chance(0.6) ? h.children
                         : std::vector<std::string>{h.children[rng_.Below(h.children.size())]};
    v1::CaseRefs refs;
    refs.set_contact_id(Id("contact"));
    std::array<double, 4> rag_weights = {10, 35, 45, 10};
    v1::RagRating rag = static_cast<v1::RagRating>(rng_.Weighted(rag_weights) + 1);
    v1::ConcernCategory concern =
        static_cast<v1::ConcernCategory>(rng_.Between(1, v1::ConcernCategory_MAX));
    // Some contacts are typed in hours after they were received.
    minutes typing_delay = rng_.Chance(0.1) ? minutes(rng_.Between(60, 420)) : minutes(0);
    for (const std::string& child : named) {
      if (!repeat) {
        NewChild(h, child, t0 - minutes(1), rng_);
      } else if (!described_.contains(child)) {
        NewChild(h, child, t0 - minutes(1), census_rng_);
      }
      if (auto* e = Emit(child, h.id, t0, v1::ROLE_MASH_PRACTITIONER, "mash", refs, typing_delay)) {
        e->set_source_agency(source);
        auto* c = e->mutable_contact_received();
        c->set_source(source);
        c->add_concerns(concern);
        if (rng_.Chance(0.3)) c->add_concerns(v1::CONCERN_CATEGORY_DOMESTIC_ABUSE);
        c->set_summary("Concerns reported by " + v1::Agency_Name(source).substr(7) + ".");
        for (const std::string& other : named) {
          if (other != child) c->add_related_child_ids(other);
        }
      }
      FrontDoor(h, child, refs, rag, t0);
    }
  }

  void FrontDoor(const Household& h, const std::string& child, const v1::CaseRefs& refs,
                 v1::RagRating rag, Instant t0) {
    Instant t = t0 + minutes(rng_.Between(10, 90));
    if (auto* e = Emit(child, h.id, t, v1::ROLE_MASH_PRACTITIONER, "mash", refs)) {
      e->mutable_rag_rated()->set_rating(rag);
    }
    if (rng_.Chance(0.05) && rag != v1::RAG_RATING_RED) {
      t += minutes(rng_.Between(5, 60));
      rag = static_cast<v1::RagRating>(rag - 1);
      if (auto* e = Emit(child, h.id, t, v1::ROLE_TEAM_MANAGER, "mash", refs)) {
        e->mutable_rag_rated()->set_rating(rag);
        e->mutable_rag_rated()->set_is_override(true);
        e->mutable_rag_rated()->set_override_reason(
            "Previous contacts show an escalating pattern.");
      }
    }
    if (rag == v1::RAG_RATING_RED || rag == v1::RAG_RATING_AMBER) {
      for (v1::Agency partner : {v1::AGENCY_POLICE, v1::AGENCY_HEALTH_OTHER}) {
        v1::CaseRefs check = refs;
        check.set_check_id(Id("check"));
        if (auto* e = Emit(child, h.id, t, v1::ROLE_MASH_PRACTITIONER, "mash", check)) {
          e->mutable_partner_check_requested()->set_partner(partner);
        }
        Instant back = t + minutes(rng_.Between(30, 600));
        if (auto* e = Emit(child, h.id, back, v1::ROLE_PARTNER_AGENCY, "mash", check)) {
          e->set_source_agency(partner);
          e->mutable_partner_check_returned()->set_partner(partner);
          e->mutable_partner_check_returned()->set_outcome(
              rng_.Chance(0.6) ? v1::PARTNER_CHECK_OUTCOME_INFORMATION_SHARED
                               : v1::PARTNER_CHECK_OUTCOME_NO_INFORMATION_HELD);
        }
      }
    }
    // Most decisions are made the same working day; red ones within hours; some children wait.
    Instant decided = rag == v1::RAG_RATING_RED ? t + minutes(rng_.Between(30, 200))
                                                : AddWeekdays(t, 0) + hours(rng_.Between(1, 6));
    if (rag != v1::RAG_RATING_RED && rng_.Chance(0.08)) {
      decided = AddWeekdays(t, static_cast<int>(rng_.Between(2, 15)));
    }
    Decide(h, child, refs, rag, decided);
  }

  void Decide(const Household& h, const std::string& child, v1::CaseRefs refs, v1::RagRating rag,
              Instant t) {
    using D = v1::ContactDecision;
    D d;
    switch (rag) {
      case v1::RAG_RATING_RED:
        d = rng_.Chance(0.65) ? v1::CONTACT_DECISION_S47_STRATEGY
                              : v1::CONTACT_DECISION_S17_ASSESSMENT;
        break;
      case v1::RAG_RATING_AMBER:
        d = static_cast<D>(std::array{3, 4, 2, 5}[rng_.Weighted({30, 45, 20, 5})]);
        break;
      case v1::RAG_RATING_GREEN:
        d = static_cast<D>(std::array{1, 2, 3, 6}[rng_.Weighted({35, 35, 25, 5})]);
        break;
      default:
        d = v1::CONTACT_DECISION_NO_FURTHER_ACTION;
    }
    bool referral =
        d == v1::CONTACT_DECISION_S17_ASSESSMENT || d == v1::CONTACT_DECISION_S47_STRATEGY;
    if (referral) refs.set_referral_id(Id("referral"));
    double informed = rng_.Unit();
    if (auto* e = Emit(child, h.id, t, v1::ROLE_TEAM_MANAGER, "mash", refs)) {
      e->mutable_contact_decided()->set_decision(d);
      e->mutable_contact_decided()->set_rationale("Threshold applied per local guidance.");
      e->mutable_contact_decided()->set_referrer_informed(informed < 0.7);
    }
    if (informed >= 0.7 && informed < 0.85) {
      if (auto* e =
              Emit(child, h.id, AddWeekdays(t, 1), v1::ROLE_MASH_PRACTITIONER, "mash", refs)) {
        e->mutable_referrer_informed()->set_referrer(v1::AGENCY_POLICE);
      }
    }
    if (d == v1::CONTACT_DECISION_S47_STRATEGY) {
      Section47(h, child, refs, t);
    } else if (d == v1::CONTACT_DECISION_S17_ASSESSMENT) {
      Assessment(h, child, refs, AddWeekdays(t, 1));
    } else if (d == v1::CONTACT_DECISION_EARLY_HELP) {
      EarlyHelp(h, child, refs, AddWeekdays(t, static_cast<int>(rng_.Between(1, 5))));
    } else if (d == v1::CONTACT_DECISION_NO_FURTHER_ACTION && rng_.Chance(0.5)) {
      if (auto* e = Emit(child, h.id, AddWeekdays(t, 1), v1::ROLE_TEAM_MANAGER, "mash", refs)) {
        e->mutable_case_closed()->set_reason(v1::CLOSURE_REASON_NO_FURTHER_ACTION);
      }
    }
  }

  std::string Allocate(const Household& h, const std::string& child, const v1::CaseRefs& refs,
                       Instant t) {
    std::string team = Team();
    if (auto* e = Emit(child, h.id, t, v1::ROLE_TEAM_MANAGER, team, refs)) {
      auto* a = e->mutable_case_allocated();
      a->set_team_id(team);
      a->set_worker_id(Worker(team));
      a->set_manager_id(Manager(team));
    }
    return team;
  }

  void Assessment(const Household& h, const std::string& child, v1::CaseRefs refs, Instant t) {
    std::string team = Allocate(h, child, refs, t);
    refs.set_assessment_id(Id("assessment"));
    if (auto* e = Emit(child, h.id, t, v1::ROLE_SOCIAL_WORKER, team, refs)) {
      e->mutable_assessment_started()->set_type(v1::ASSESSMENT_TYPE_S17_CHILD_AND_FAMILY);
    }
    Visit(h, child, refs, team, AddWeekdays(t, 3), v1::VISIT_CONTEXT_ASSESSMENT);
    // Most assessments finish well inside 45 working days; a few drift past it.
    int took = rng_.Chance(0.1) ? static_cast<int>(rng_.Between(46, 70))
                                : static_cast<int>(rng_.Between(8, 40));
    Instant done = AddWeekdays(t, took);
    auto outcome =
        static_cast<v1::AssessmentOutcome>(std::array{1, 2, 3, 4}[rng_.Weighted({40, 25, 28, 7})]);
    if (auto* e = Emit(child, h.id, done, v1::ROLE_SOCIAL_WORKER, team, refs)) {
      auto* a = e->mutable_assessment_completed();
      a->set_type(v1::ASSESSMENT_TYPE_S17_CHILD_AND_FAMILY);
      a->set_child_seen(rng_.Chance(0.9) ? v1::SEEN_STATUS_SEEN_ALONE
                                         : v1::SEEN_STATUS_SEEN_NOT_ALONE);
      std::string factor = std::array{"2A", "3A", "4A", "21", "1B"}[rng_.Below(5)];
      // "21 No factors identified" only for an assessment that ends in no further action.
      if (factor == "21" && outcome != v1::ASSESSMENT_OUTCOME_NO_FURTHER_ACTION) factor = "3A";
      a->add_factors(factor);
      a->set_outcome(outcome);
      a->set_primary_need_code("N" + std::to_string(census_rng_.Between(1, 8)));
    }
    if (outcome == v1::ASSESSMENT_OUTCOME_CHILD_IN_NEED_PLAN) {
      Plan(h, child, refs, team, done, v1::PLAN_TYPE_CHILD_IN_NEED);
    } else if (outcome == v1::ASSESSMENT_OUTCOME_EARLY_HELP) {
      EarlyHelp(h, child, refs, AddWeekdays(done, 2));
      Close(h, child, refs, team, done + hours(2), v1::CLOSURE_REASON_TRANSFERRED_TO_EARLY_HELP);
    } else if (outcome == v1::ASSESSMENT_OUTCOME_S47_STRATEGY) {
      Section47(h, child, refs, done);
    } else {
      Close(h, child, refs, team, AddWeekdays(done, 1), v1::CLOSURE_REASON_NO_FURTHER_ACTION);
    }
  }

  // The case closes (the census episode ends). Cases close on working days.
  void Close(const Household& h, const std::string& child, const v1::CaseRefs& refs,
             const std::string& team, Instant t, v1::ClosureReason reason) {
    if (IsWeekend(t)) t = AddWeekdays(t, 1);
    if (auto* e = CensusEmit(child, h.id, t, v1::ROLE_TEAM_MANAGER, team, refs)) {
      e->mutable_case_closed()->set_reason(reason);
    }
  }

  void Visit(const Household& h, const std::string& child, const v1::CaseRefs& refs,
             const std::string& team, Instant t, v1::VisitContext context) {
    if (auto* e = Emit(child, h.id, t, v1::ROLE_SOCIAL_WORKER, team, refs)) {
      auto* s = e->mutable_child_seen();
      s->set_context(context);
      std::size_t k = rng_.Weighted({75, 15, 6, 4});
      s->set_status(std::array{v1::SEEN_STATUS_SEEN_ALONE, v1::SEEN_STATUS_SEEN_NOT_ALONE,
                               v1::SEEN_STATUS_NOT_SEEN, v1::SEEN_STATUS_ACCESS_REFUSED}[k]);
      if (k == 2) s->set_reason("No one home at the agreed time.");
      if (k == 3) {
        s->set_reason("Parent would not allow the child to be seen alone.");
        s->set_refused_by(v1::REFUSED_BY_PARENT);
      }
    }
  }

  void Section47(const Household& h, const std::string& child, v1::CaseRefs refs, Instant t) {
    std::string team = Allocate(h, child, refs, t);
    refs.set_strategy_id(Id("strategy"));
    Instant strategy = t + hours(rng_.Chance(0.85) ? rng_.Between(2, 24) : rng_.Between(48, 150));
    if (auto* e = Emit(child, h.id, strategy, v1::ROLE_TEAM_MANAGER, team, refs)) {
      e->mutable_strategy_discussion_held()->set_s47_threshold_met(true);
      e->mutable_strategy_discussion_held()->add_attendees(v1::AGENCY_POLICE);
      e->mutable_strategy_discussion_held()->add_attendees(v1::AGENCY_HEALTH_OTHER);
    }
    refs.set_s47_id(Id("s47"));
    if (auto* e = Emit(child, h.id, strategy + hours(1), v1::ROLE_SOCIAL_WORKER, team, refs)) {
      e->mutable_s47_enquiry_started();
    }
    Visit(h, child, refs, team, AddWeekdays(strategy, 1), v1::VISIT_CONTEXT_S47_ENQUIRY);
    Instant done = AddWeekdays(strategy, static_cast<int>(rng_.Between(5, 12)));
    bool conference = rng_.Chance(0.45);
    // A section 47 enquiry straight from the front door comes with a child and family assessment
    // (one already under way when the enquiry came from it). The case closes after both.
    Instant work_done = done;
    if (refs.assessment_id().empty()) {
      v1::CaseRefs assessed = refs;
      assessed.set_assessment_id(Id("assessment"));
      if (auto* e = CensusEmit(child, h.id, strategy + hours(2), v1::ROLE_SOCIAL_WORKER, team,
                               assessed)) {
        e->mutable_assessment_started()->set_type(v1::ASSESSMENT_TYPE_S17_CHILD_AND_FAMILY);
      }
      Instant finished = AddWeekdays(done, static_cast<int>(census_rng_.Between(1, 10)));
      work_done = finished;
      if (auto* e = CensusEmit(child, h.id, finished, v1::ROLE_SOCIAL_WORKER, team, assessed)) {
        auto* a = e->mutable_assessment_completed();
        a->set_type(v1::ASSESSMENT_TYPE_S17_CHILD_AND_FAMILY);
        a->set_child_seen(v1::SEEN_STATUS_SEEN_ALONE);
        a->add_factors(std::array{"2A", "3A", "4A", "1B"}[census_rng_.Below(4)]);
        a->set_outcome(conference ? v1::ASSESSMENT_OUTCOME_S47_STRATEGY
                                  : v1::ASSESSMENT_OUTCOME_NO_FURTHER_ACTION);
        a->set_primary_need_code("N1");
      }
    }
    if (auto* e = Emit(child, h.id, done, v1::ROLE_SOCIAL_WORKER, team, refs)) {
      e->mutable_s47_enquiry_completed()->set_outcome(
          conference ? v1::S47_OUTCOME_CONFERENCE_REQUIRED
                     : v1::S47_OUTCOME_CONCERNS_NOT_SUBSTANTIATED);
    }
    if (!conference) {
      Close(h, child, refs, team, AddWeekdays(work_done, 1), v1::CLOSURE_REASON_NO_FURTHER_ACTION);
      return;
    }
    refs.set_conference_id(Id("conference"));
    int wd = rng_.Chance(0.85) ? static_cast<int>(rng_.Between(8, 15))
                               : static_cast<int>(rng_.Between(16, 25));
    // Conferences are held in office hours on a working day.
    Instant icpc = std::chrono::floor<days>(AddWeekdays(strategy, wd)) + hours(10);
    auto category = static_cast<v1::AbuseCategory>(rng_.Between(1, 5));
    if (auto* e = Emit(child, h.id, icpc, v1::ROLE_TEAM_MANAGER, team, refs)) {
      e->mutable_conference_held()->set_type(v1::CONFERENCE_TYPE_INITIAL);
      e->mutable_conference_held()->set_plan_required(true);
      e->mutable_conference_held()->set_category(category);
    }
    Plan(h, child, refs, team, icpc, v1::PLAN_TYPE_CHILD_PROTECTION, category);
  }

  void Plan(const Household& h, const std::string& child, v1::CaseRefs refs,
            const std::string& team, Instant t, v1::PlanType type,
            v1::AbuseCategory category = v1::ABUSE_CATEGORY_UNSPECIFIED) {
    refs.set_plan_id(Id("plan"));
    if (auto* e = Emit(child, h.id, t, v1::ROLE_TEAM_MANAGER, team, refs)) {
      e->mutable_plan_started()->set_type(type);
      if (type == v1::PLAN_TYPE_CHILD_PROTECTION) e->mutable_plan_started()->set_category(category);
      if (type == v1::PLAN_TYPE_CHILD_IN_NEED)
        e->mutable_plan_started()->set_primary_need_code("N" + std::to_string(rng_.Between(1, 8)));
    }
    bool cp = type == v1::PLAN_TYPE_CHILD_PROTECTION;
    auto context = cp ? v1::VISIT_CONTEXT_CHILD_PROTECTION : v1::VISIT_CONTEXT_CHILD_IN_NEED;
    int every = cp ? 10 : 20;
    Instant v = t;
    for (int i = 0; i < 12; ++i) {
      // Mostly on time, sometimes a visit slips by a week or two.
      v = AddWeekdays(v, every + (rng_.Chance(0.15) ? static_cast<int>(rng_.Between(3, 10)) : 0));
      if (v >= end_) break;
      Visit(h, child, refs, team, v, context);
    }
    if (cp && rng_.Chance(0.1)) {
      v1::CaseRefs legal = refs;
      legal.set_legal_case_id(Id("legal"));
      if (auto* e = Emit(child, h.id, AddWeekdays(t, 60), v1::ROLE_TEAM_MANAGER, team, legal)) {
        e->mutable_legal_stage_reached()->set_stage(v1::LEGAL_STAGE_LEGAL_PLANNING_MEETING);
      }
    }
    Instant review = t + days(cp ? 90 : 60);
    if (auto* e = Emit(child, h.id, review, v1::ROLE_TEAM_MANAGER, team, refs)) {
      e->mutable_plan_reviewed()->set_type(type);
      e->mutable_plan_reviewed()->set_progress(
          static_cast<v1::PlanProgress>(rng_.Weighted({35, 35, 20, 10}) + 1));
    }
    // Most plans end within the year: outcomes achieved, and the case closes.
    if (census_rng_.Chance(0.7)) {
      Instant ended = AddWeekdays(review, static_cast<int>(census_rng_.Between(20, 160)));
      if (auto* e = CensusEmit(child, h.id, ended, v1::ROLE_TEAM_MANAGER, team, refs)) {
        e->mutable_plan_ended()->set_type(type);
        e->mutable_plan_ended()->set_reason(v1::PLAN_END_REASON_OUTCOMES_ACHIEVED);
      }
      Close(h, child, refs, team, AddWeekdays(ended, 1), v1::CLOSURE_REASON_OUTCOMES_ACHIEVED);
    }
  }

  void EarlyHelp(const Household& h, const std::string& child, v1::CaseRefs refs, Instant t) {
    refs.set_early_help_id(Id("eh"));
    auto intervention = static_cast<v1::Intervention>(rng_.Between(1, 7));
    if (auto* e = Emit(child, h.id, t, v1::ROLE_EARLY_HELP_WORKER, "early-help", refs)) {
      e->mutable_early_help_started()->set_intervention(intervention);
      e->mutable_early_help_started()->set_organisation("Family Hub");
    }
    Instant closed = t + days(rng_.Between(42, 120));
    if (auto* e = Emit(child, h.id, closed, v1::ROLE_EARLY_HELP_WORKER, "early-help", refs)) {
      e->mutable_early_help_closed()->set_intervention(intervention);
      e->mutable_early_help_closed()->set_outcome(
          static_cast<v1::EarlyHelpOutcome>(rng_.Weighted({50, 30, 20}) + 1));
    }
  }

  void CareLeaver(int i) {
    Household h{Id("hh"), {Id("child")}, kSurnames[rng_.Below(kSurnames.size())]};
    const std::string& child = h.children[0];
    std::string team = "leaving-care";
    v1::CaseRefs refs;
    refs.set_plan_id(Id("plan"));
    Instant t =
        start_ + minutes(rng_.Between(std::int64_t{8} * 60, (8 + std::int64_t{24} * p_.days) * 60));
    bool unsuitable = rng_.Chance(0.15);
    if (auto* e = Emit(child, h.id, t, v1::ROLE_PERSONAL_ADVISER, team, refs)) {
      auto* a = e->mutable_accommodation_recorded();
      a->set_type(unsuitable ? (i % 2 ? v1::ACCOMMODATION_TYPE_BED_AND_BREAKFAST
                                      : v1::ACCOMMODATION_TYPE_NO_FIXED_ABODE)
                             : v1::ACCOMMODATION_TYPE_SUPPORTED_LODGINGS);
      a->set_suitability(unsuitable ? v1::SUITABILITY_UNSUITABLE : v1::SUITABILITY_SUITABLE);
    }
    if (auto* e = Emit(child, h.id, t + hours(1), v1::ROLE_PERSONAL_ADVISER, team, refs)) {
      e->mutable_plan_reviewed()->set_type(v1::PLAN_TYPE_PATHWAY);
      e->mutable_plan_reviewed()->set_progress(v1::PLAN_PROGRESS_SOME);
    }
  }

  void Audit(Instant day) {
    if (households_.empty()) return;
    const Household& h = households_[rng_.Below(households_.size())];
    v1::CaseRefs refs;
    refs.set_audit_id(Id("audit"));
    if (auto* e = Emit(h.children[0], h.id, day + hours(14), v1::ROLE_AUDITOR, "qa", refs)) {
      e->mutable_qa_audit_completed()->set_area(v1::SERVICE_AREA_FRONT_DOOR);
      e->mutable_qa_audit_completed()->set_grade(
          static_cast<v1::AuditGrade>(rng_.Weighted({5, 45, 40, 10}) + 1));
    }
  }

  const SimulationParams& p_;
  Rng rng_;
  // The census details (UPNs, disability codes, primary needs, how cases and plans end) draw from
  // a generator of their own, so the rest of the stream makes the same choices it always made.
  Rng census_rng_;
  Instant start_;
  Instant end_;
  std::vector<Household> households_;
  std::vector<v1::Envelope> out_;
  long seq_ = 0;
  long event_seq_ = 0;
  long long upn_seq_ = 0;
  std::set<std::string> described_;  // Children whose details have been recorded.
};

}  // namespace

FieldErrors ValidateSimulationParams(const SimulationParams& p) {
  FieldErrors errors;
  if (p.days < 1 || p.days > 3660) errors.push_back({"days", "must be 1..3660"});
  if (p.contacts_per_day < 1 || p.contacts_per_day > 20000)
    errors.push_back({"contacts_per_day", "must be 1..20000"});
  if (p.teams < 1 || p.teams > 200) errors.push_back({"teams", "must be 1..200"});
  if (p.care_leavers < 0 || p.care_leavers > 100000)
    errors.push_back({"care_leavers", "must be 0..100000"});
  if (p.la_code.size() != 3 ||
      !std::all_of(p.la_code.begin(), p.la_code.end(), [](char c) { return c >= '0' && c <= '9'; }))
    errors.push_back({"la_code", "must be the three-digit DfE LA number"});
  if (!IsWellFormedId(p.id_prefix) || p.id_prefix.size() > 32)
    errors.push_back({"id_prefix", "must be a short well-formed id"});
  if (!std::chrono::year_month_day{p.start_day}.ok() ||
      p.start_day < std::chrono::sys_days{std::chrono::January / 1 / 1990})
    errors.push_back({"start_day", "must be a real date from 1990"});
  return errors;
}

std::vector<v1::Envelope> Simulate(const SimulationParams& params) { return County(params).Run(); }

}  // namespace sightline::domain
