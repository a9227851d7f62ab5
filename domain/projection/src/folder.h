// The fold of one child's events (FoldChild, ChildFold): the state the events build, applied
// one at a time, and the record finished from it. Internal to sightline_projection.
#pragma once

#include <algorithm>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>

#include "sightline/domain/events/effective.h"
#include "sightline/domain/events/names.h"
#include "sightline/domain/projection/projection.h"

namespace sightline::domain::fold_internal {

namespace v1 = events::v1;
namespace pv = projections::v1;
using P = v1::Envelope::PayloadCase;
using google::protobuf::Timestamp;

inline bool Before(const Timestamp& a, const Timestamp& b) { return ToInstant(a) < ToInstant(b); }

// Which pieces of work were finished, found before folding so that an ending recorded with an
// earlier event time than its start (a data error) still closes it.
struct Endings {
  std::set<std::string> decided_contacts, returned_checks, completed_referrals, ended_plans,
      closed_early_help, concluded_strategies;
};

// Adds what `e` finishes to `x`.
inline void AddEndings(Endings& x, const v1::Envelope& e) {
  const v1::CaseRefs& r = e.refs();
  switch (e.payload_case()) {
    case P::kContactDecided:
      x.decided_contacts.insert(r.contact_id());
      break;
    case P::kPartnerCheckReturned:
      x.returned_checks.insert(r.check_id());
      break;
    case P::kAssessmentCompleted:
      if (!r.referral_id().empty()) x.completed_referrals.insert(r.referral_id());
      break;
    case P::kPlanEnded:
      x.ended_plans.insert(r.plan_id());
      break;
    case P::kEarlyHelpClosed:
      x.closed_early_help.insert(r.early_help_id());
      break;
    case P::kConferenceHeld:
      if (e.conference_held().type() == v1::CONFERENCE_TYPE_INITIAL)
        x.concluded_strategies.insert(r.strategy_id());
      break;
    case P::kS47EnquiryCompleted:
      if (e.s47_enquiry_completed().outcome() != v1::S47_OUTCOME_CONFERENCE_REQUIRED)
        x.concluded_strategies.insert(r.strategy_id());
      break;
    default:
      break;
  }
}

class Folder {
 public:
  Folder(std::string_view child_id, const Calendar& cal, const ProjectionPolicy& policy)
      : cal_(cal), policy_(policy) {
    rec_.set_child_id(std::string(child_id));
  }

  pv::ChildRecord Run(std::span<const v1::Envelope> input) {
    Effective eff = Resolve(input);
    Load(eff);
    pv::ChildRecord out = std::move(rec_);
    Finish(eff, out);
    return out;
  }

  // Every effective event, each knowing which pieces of work are finished anywhere in the
  // history (so that an ending recorded with an earlier event time than its start, a data error,
  // still closes it).
  void Load(const Effective& eff) {
    for (const v1::Envelope* e : eff.events) AddEndings(endings_, *e);
    for (const v1::Envelope* e : eff.events) Apply(*e, eff.amended.contains(e->event_id()));
  }

  // One more event, later in event time than every event loaded, neither amended nor a
  // correction. Every ending Apply looks ahead for is also acted on when it arrives (the work
  // is closed, the clock stopped, the contact or check taken off), so the state is the one
  // Load of the whole history gives (ChildFold's test checks this at every step).
  void Append(const v1::Envelope& e) {
    AddEndings(endings_, e);
    Apply(e, false);
  }

  // The record, leaving this state as it is.
  pv::ChildRecord Record(const Effective& eff) const {
    pv::ChildRecord out = rec_;
    Finish(eff, out);
    return out;
  }

  // The record, given to `use` with this state's chronology lent to it rather than copied. Events
  // appended in order keep the chronology in order, and Finish adds no entries without
  // corrections, so the chronology comes back as it was lent.
  void WithRecord(const std::function<void(const pv::ChildRecord&)>& use) {
    pv::ChildRecord out;
    out.mutable_chronology()->Swap(rec_.mutable_chronology());
    out.MergeFrom(rec_);
    struct GiveBack {
      pv::ChildRecord& from;
      pv::ChildRecord& to;
      ~GiveBack() { to.mutable_chronology()->Swap(from.mutable_chronology()); }
    } give_back{out, rec_};
    Finish(Effective{}, out);
    use(out);
  }

 private:
  void Apply(const v1::Envelope& e, bool amended) {
    if (rec_.household_id().empty() && !e.household_id().empty())
      rec_.set_household_id(e.household_id());
    const v1::CaseRefs& r = e.refs();
    const Timestamp& at = e.occurred_at();
    switch (e.payload_case()) {
      case P::kChildDetailsRecorded:
        *rec_.mutable_details() = e.child_details_recorded();
        if (!e.child_details_recorded().name().empty())
          rec_.set_name(e.child_details_recorded().name());
        break;
      case P::kAccessRestricted:
        rec_.set_restriction(e.access_restricted().level() == v1::RESTRICTION_NONE
                                 ? v1::RESTRICTION_UNSPECIFIED
                                 : e.access_restricted().level());
        break;
      case P::kHouseholdLinked:
        rec_.set_household_id(e.household_linked().household_id());
        break;
      case P::kSiblingLinked:
        siblings_[e.sibling_linked().sibling_child_id()] = e.sibling_linked().relation();
        break;
      case P::kContactReceived: {
        rec_.set_contacts(rec_.contacts() + 1);
        *rec_.add_contact_times() = at;
        const auto& c = e.contact_received();
        contact_sources_[r.contact_id()] = c.source();
        contact_received_.try_emplace(r.contact_id(), at);
        if (endings_.decided_contacts.contains(r.contact_id())) break;
        pv::OpenContact& open = open_contacts_[r.contact_id()];
        open.set_contact_id(r.contact_id());
        *open.mutable_received_at() = at;
        open.set_source(c.source());
        open.mutable_concerns()->CopyFrom(c.concerns());
        open.set_already_open(c.already_open());
        open.set_team_id(c.already_open() && !c.open_team_id().empty() ? c.open_team_id()
                                                                       : e.actor().team_id());
        if (contact_rag_.contains(r.contact_id())) open.set_rag(contact_rag_[r.contact_id()]);
        break;
      }
      case P::kRagRated:
        rec_.set_rag(e.rag_rated().rating());
        contact_rag_[r.contact_id()] = e.rag_rated().rating();
        if (auto it = open_contacts_.find(r.contact_id()); it != open_contacts_.end())
          it->second.set_rag(e.rag_rated().rating());
        break;
      case P::kPartnerCheckRequested:
        if (!endings_.returned_checks.contains(r.check_id()))
          checks_outstanding_[r.contact_id()].insert(r.check_id());
        break;
      case P::kPartnerCheckReturned:  // Whichever contact it was recorded against.
        for (auto& [contact, checks] : checks_outstanding_) checks.erase(r.check_id());
        break;
      case P::kContactDecided: {
        // The first decision on a contact counts for "decided in time" (1 working day).
        if (auto it = contact_received_.find(r.contact_id());
            it != contact_received_.end() && decided_.insert(r.contact_id()).second) {
          pv::DecisionRecord& d = *rec_.add_decisions();
          d.set_contact_id(r.contact_id());
          *d.mutable_received_at() = it->second;
          *d.mutable_decided_at() = at;
          d.set_in_time(ToInstant(at) < cal_.OverdueFromWorkingDays(ToInstant(it->second), 1));
        }
        open_contacts_.erase(r.contact_id());
        auto d = e.contact_decided().decision();
        if (d == v1::CONTACT_DECISION_S17_ASSESSMENT || d == v1::CONTACT_DECISION_S47_STRATEGY) {
          AddReferral(e);
        }
        break;
      }
      case P::kCaseAllocated: {
        pv::Allocation* a = rec_.mutable_allocation();
        a->set_team_id(e.case_allocated().team_id());
        a->set_worker_id(e.case_allocated().worker_id());
        a->set_manager_id(e.case_allocated().manager_id());
        *a->mutable_since() = at;
        break;
      }
      case P::kAssessmentStarted:
        if (!r.referral_id().empty() && !endings_.completed_referrals.contains(r.referral_id()))
          Open(pv::STAGE_ASSESSMENT, "assessment:" + r.referral_id(), at);
        break;
      case P::kAssessmentCompleted:
        Close("assessment:" + r.referral_id());
        if (!r.referral_id().empty()) CloseClock("assessment", r.referral_id());
        if (e.assessment_completed().child_seen() == v1::SEEN_STATUS_SEEN_ALONE ||
            e.assessment_completed().child_seen() == v1::SEEN_STATUS_SEEN_NOT_ALONE) {
          Seen(at, e.assessment_completed().child_seen() == v1::SEEN_STATUS_SEEN_ALONE);
        }
        if (e.assessment_completed().outcome() == v1::ASSESSMENT_OUTCOME_NO_FURTHER_ACTION) {
          for (pv::Referral& ref : *rec_.mutable_referrals())
            if (ref.referral_id() == r.referral_id()) ref.set_ended_nfa(true);
        }
        break;
      case P::kChildSeen: {
        auto s = e.child_seen().status();
        if (s == v1::SEEN_STATUS_SEEN_ALONE || s == v1::SEEN_STATUS_SEEN_NOT_ALONE)
          Seen(at, s == v1::SEEN_STATUS_SEEN_ALONE);
        last_visit_refused_ = s == v1::SEEN_STATUS_ACCESS_REFUSED;
        break;
      }
      case P::kStrategyDiscussionHeld:
        if (e.strategy_discussion_held().s47_threshold_met() &&
            !endings_.concluded_strategies.contains(r.strategy_id())) {
          Open(pv::STAGE_S47, "s47:" + r.strategy_id(), at);
          AddClock("conference", r.strategy_id(), at, policy_.conference_working_days);
        }
        break;
      case P::kS47EnquiryCompleted:
      case P::kConferenceHeld:
        if (endings_.concluded_strategies.contains(r.strategy_id())) {
          Close("s47:" + r.strategy_id());
          CloseClock("conference", r.strategy_id());
        }
        break;
      case P::kPlanStarted: {
        pv::PlanEpisode& p = *rec_.add_plans();
        p.set_plan_id(r.plan_id());
        p.set_type(e.plan_started().type());
        *p.mutable_started_at() = at;
        p.set_category(e.plan_started().category());
        if (!endings_.ended_plans.contains(r.plan_id()))
          Open(PlanStage(e.plan_started().type()), "plan:" + r.plan_id(), at);
        break;
      }
      case P::kPlanReviewed:
        if (e.plan_reviewed().type() == v1::PLAN_TYPE_PATHWAY) care_leaver_ = true;
        break;
      case P::kPlanEnded:
        for (pv::PlanEpisode& p : *rec_.mutable_plans())
          if (p.plan_id() == r.plan_id()) *p.mutable_ended_at() = at;
        Close("plan:" + r.plan_id());
        break;
      case P::kEarlyHelpOffered:
      case P::kEarlyHelpStarted: {
        bool offer = e.has_early_help_offered();
        pv::EarlyHelpEpisode* h = nullptr;
        for (pv::EarlyHelpEpisode& x : *rec_.mutable_early_help())
          if (x.early_help_id() == r.early_help_id()) h = &x;
        if (h == nullptr) {
          h = rec_.add_early_help();
          h->set_early_help_id(r.early_help_id());
        }
        h->set_intervention(offer ? e.early_help_offered().intervention()
                                  : e.early_help_started().intervention());
        h->set_organisation(offer ? e.early_help_offered().organisation()
                                  : e.early_help_started().organisation());
        *(offer ? h->mutable_offered_at() : h->mutable_started_at()) = at;
        for (const pv::EarlyHelpEpisode& before : rec_.early_help()) {
          bool failed = before.outcome() == v1::EARLY_HELP_OUTCOME_NOT_EFFECTIVE ||
                        before.outcome() == v1::EARLY_HELP_OUTCOME_DISENGAGED;
          if (&before != h && failed && before.intervention() == h->intervention())
            h->set_repeats_failed(true);
        }
        if (!offer && !endings_.closed_early_help.contains(r.early_help_id()))
          Open(pv::STAGE_EARLY_HELP, "eh:" + r.early_help_id(), at);
        break;
      }
      case P::kEarlyHelpClosed:
        for (pv::EarlyHelpEpisode& h : *rec_.mutable_early_help()) {
          if (h.early_help_id() != r.early_help_id()) continue;
          *h.mutable_closed_at() = at;
          h.set_outcome(e.early_help_closed().outcome());
        }
        Close("eh:" + r.early_help_id());
        break;
      case P::kQaAuditCompleted: {
        const auto& p = e.qa_audit_completed();
        pv::QaAuditRecord& a = *rec_.add_audits();
        a.set_audit_id(r.audit_id());
        *a.mutable_completed_at() = at;
        a.set_area(p.area());
        a.set_grade(p.grade());
        a.set_team_id(p.team_id().empty() ? rec_.allocation().team_id() : p.team_id());
        a.mutable_themes()->CopyFrom(p.themes());
        a.set_auditor_id(e.actor().user_id());
        break;
      }
      case P::kAccommodationRecorded:
        care_leaver_ = true;
        rec_.set_accommodation(e.accommodation_recorded().type());
        rec_.set_accommodation_suitability(e.accommodation_recorded().suitability());
        break;
      case P::kCaseClosed:
        // Closes the open casework (not plans, which end by their own event, nor contacts).
        for (auto it = open_.begin(); it != open_.end();) {
          bool casework = it->first.starts_with("assessment:") || it->first.starts_with("s47:") ||
                          it->first.starts_with("eh:");
          it = casework ? open_.erase(it) : std::next(it);
        }
        closed_at_ = at;
        break;
      default:
        break;
    }
    Chronicle(rec_, e, amended);
  }

  static pv::Stage PlanStage(v1::PlanType t) {
    switch (t) {
      case v1::PLAN_TYPE_CHILD_PROTECTION:
        return pv::STAGE_CHILD_PROTECTION;
      case v1::PLAN_TYPE_LOOKED_AFTER:
        return pv::STAGE_LOOKED_AFTER;
      case v1::PLAN_TYPE_PATHWAY:
        return pv::STAGE_CARE_LEAVER;
      default:
        return pv::STAGE_CHILD_IN_NEED;
    }
  }

  void AddReferral(const v1::Envelope& e) {
    const std::string& id = e.refs().referral_id();
    for (const pv::Referral& ref : rec_.referrals())
      if (ref.referral_id() == id) return;
    pv::Referral& ref = *rec_.add_referrals();
    ref.set_referral_id(id);
    *ref.mutable_at() = e.occurred_at();
    if (auto it = contact_sources_.find(e.refs().contact_id()); it != contact_sources_.end())
      ref.set_source(it->second);
    if (!endings_.completed_referrals.contains(id)) {
      Open(pv::STAGE_ASSESSMENT, "assessment:" + id, e.occurred_at());
      AddClock("assessment", id, e.occurred_at(), policy_.assessment_working_days);
    }
  }

  void Open(pv::Stage stage, const std::string& key, const Timestamp& at) {
    open_.emplace(key, std::pair(stage, at));
  }
  void Close(const std::string& key) { open_.erase(key); }

  pv::OpenClock Clock(const std::string& name, const std::string& ref, const Timestamp& at,
                      int days) const {
    pv::OpenClock c;
    c.set_name(name);
    c.set_ref(ref);
    *c.mutable_started_at() = at;
    *c.mutable_overdue_from() = ToTimestamp(cal_.OverdueFromWorkingDays(ToInstant(at), days));
    return c;
  }
  void AddClock(const std::string& name, const std::string& ref, const Timestamp& at, int days) {
    clocks_[name + ":" + ref] = Clock(name, ref, at, days);
  }
  void CloseClock(const std::string& name, const std::string& ref) {
    clocks_.erase(name + ":" + ref);
  }

  void Seen(const Timestamp& at, bool alone) {
    if (!rec_.has_last_seen() || Before(rec_.last_seen(), at)) *rec_.mutable_last_seen() = at;
    if (alone && (!rec_.has_last_seen_alone() || Before(rec_.last_seen_alone(), at)))
      *rec_.mutable_last_seen_alone() = at;
  }

  static void Chronicle(pv::ChildRecord& out, const v1::Envelope& e, bool amended) {
    pv::ChronologyEntry& c = *out.add_chronology();
    c.set_event_id(e.event_id());
    *c.mutable_occurred_at() = e.occurred_at();
    *c.mutable_recorded_at() = e.recorded_at();
    c.set_type(PayloadName(e));
    c.set_summary(DescribeEvent(e));
    c.set_actor_user_id(e.actor().user_id());
    c.set_actor_team_id(e.actor().team_id());
    *c.mutable_refs() = e.refs();
    c.set_amended(amended);
  }

  // The record: `out` holds the record as the events left it (rec_, moved or copied); this
  // state is only read, so that it can take more events afterwards.
  void Finish(const Effective& eff, pv::ChildRecord& out) const {
    for (const v1::Envelope* c : eff.corrections) Chronicle(out, *c, false);
    // Corrections were appended last; put the whole chronology in event-time order.
    // (Events appended in order leave it sorted: checked in one pass, not sorted again.)
    auto* chron = out.mutable_chronology();
    auto earlier = [](const pv::ChronologyEntry& a, const pv::ChronologyEntry& b) {
      return std::tuple(ToInstant(a.occurred_at()), ToInstant(a.recorded_at()),
                        std::string_view(a.event_id())) <
             std::tuple(ToInstant(b.occurred_at()), ToInstant(b.recorded_at()),
                        std::string_view(b.event_id()));
    };
    if (!std::is_sorted(chron->begin(), chron->end(), earlier))
      std::stable_sort(chron->begin(), chron->end(), earlier);
    std::map<std::string, pv::OpenClock> clocks = clocks_;
    for (const auto& [id, open] : open_contacts_) {
      pv::OpenContact& waiting = *out.add_awaiting_decision();
      waiting = open;
      auto checks = checks_outstanding_.find(id);
      waiting.set_checks_outstanding(
          checks == checks_outstanding_.end() ? 0 : static_cast<int>(checks->second.size()));
      clocks["decision:" + id] =
          Clock("decision", id, open.received_at(), policy_.decision_working_days);
    }
    std::sort(out.mutable_awaiting_decision()->begin(), out.mutable_awaiting_decision()->end(),
              [](const auto& a, const auto& b) {
                return std::tuple(ToInstant(a.received_at()), a.contact_id()) <
                       std::tuple(ToInstant(b.received_at()), b.contact_id());
              });
    for (auto& [key, clock] : clocks) *out.add_clocks() = std::move(clock);
    for (const auto& [id, relation] : siblings_) {
      pv::SiblingLink& s = *out.add_siblings();
      s.set_child_id(id);
      s.set_relation(relation);
    }
    MarkReReferrals(out);
    DecideStage(out);
    AddFlags(out);
  }

  void MarkReReferrals(pv::ChildRecord& out) const {
    auto* refs = out.mutable_referrals();
    std::sort(refs->begin(), refs->end(), [](const auto& a, const auto& b) {
      return std::tuple(ToInstant(a.at()), a.referral_id()) <
             std::tuple(ToInstant(b.at()), b.referral_id());
    });
    for (int i = 1; i < refs->size(); ++i) {
      Instant window =
          cal_.OverdueFromMonths(ToInstant((*refs)[i - 1].at()), policy_.re_referral_months);
      (*refs)[i].set_re_referral(ToInstant((*refs)[i].at()) < window);
    }
  }

  void DecideStage(pv::ChildRecord& out) const {
    // The highest statutory level of open work names the stage.
    static constexpr pv::Stage kPriority[] = {
        pv::STAGE_LOOKED_AFTER, pv::STAGE_CHILD_PROTECTION, pv::STAGE_CHILD_IN_NEED, pv::STAGE_S47,
        pv::STAGE_ASSESSMENT,   pv::STAGE_CARE_LEAVER,      pv::STAGE_EARLY_HELP};
    for (pv::Stage stage : kPriority) {
      const Timestamp* since = nullptr;
      for (const auto& [key, open] : open_) {
        if (open.first == stage && (!since || Before(open.second, *since))) since = &open.second;
      }
      if (since) return SetStage(out, stage, *since);
      if (stage == pv::STAGE_ASSESSMENT && out.awaiting_decision_size() > 0)
        return SetStage(out, pv::STAGE_AWAITING_DECISION, out.awaiting_decision(0).received_at());
      if (stage == pv::STAGE_CARE_LEAVER && care_leaver_ && !out.chronology().empty())
        return SetStage(out, pv::STAGE_CARE_LEAVER, out.chronology(0).occurred_at());
    }
    if (closed_at_) return SetStage(out, pv::STAGE_CLOSED, *closed_at_);
    if (!out.chronology().empty()) SetStage(out, pv::STAGE_KNOWN, out.chronology(0).occurred_at());
  }

  static void SetStage(pv::ChildRecord& out, pv::Stage stage, const Timestamp& since) {
    out.set_stage(stage);
    *out.mutable_stage_since() = since;
  }

  void AddFlags(pv::ChildRecord& out) const {
    std::set<std::string> flags;
    for (const pv::Referral& r : out.referrals())
      if (r.re_referral()) flags.insert("re_referral");
    int cp_plans = 0;
    for (const pv::PlanEpisode& p : out.plans())
      cp_plans += p.type() == v1::PLAN_TYPE_CHILD_PROTECTION ? 1 : 0;
    if (cp_plans > 1) flags.insert("repeat_cp_plan");
    for (const pv::EarlyHelpEpisode& h : out.early_help())
      if (h.repeats_failed()) flags.insert("failed_intervention_repeated");
    if (last_visit_refused_) flags.insert("access_refused");
    if (out.accommodation_suitability() == v1::SUITABILITY_UNSUITABLE)
      flags.insert("unsuitable_accommodation");
    if (out.restriction() != v1::RESTRICTION_UNSPECIFIED) flags.insert("restricted");
    for (const std::string& f : flags) out.add_flags(f);
  }

  const Calendar& cal_;
  const ProjectionPolicy& policy_;
  pv::ChildRecord rec_;
  Endings endings_;
  std::map<std::string, pv::OpenContact> open_contacts_;
  std::map<std::string, Timestamp> contact_received_;  // First receipt of each contact.
  std::set<std::string> decided_;                      // Contacts with a decision recorded.
  std::map<std::string, v1::RagRating> contact_rag_;
  std::map<std::string, v1::Agency> contact_sources_;
  std::map<std::string, std::set<std::string>> checks_outstanding_;
  std::map<std::string, std::pair<pv::Stage, Timestamp>> open_;
  std::map<std::string, pv::OpenClock> clocks_;
  std::map<std::string, v1::SiblingRelation> siblings_;
  std::optional<Timestamp> closed_at_;
  bool care_leaver_ = false;
  bool last_visit_refused_ = false;
};

}  // namespace sightline::domain::fold_internal
