// Summary, display text and index keys derived from a child's record (see projection.h).
#include <algorithm>
#include <cctype>
#include <cstdio>

#include "sightline/core/text.h"
#include "sightline/domain/events/names.h"
#include "sightline/domain/projection/projection.h"

namespace sightline::domain {
namespace {

namespace v1 = events::v1;
namespace pv = projections::v1;
using P = v1::Envelope::PayloadCase;

template <typename Enum>
std::string Label(Enum value, const google::protobuf::EnumDescriptor* d, std::string_view prefix) {
  const auto* v = d->FindValueByNumber(static_cast<int>(value));
  return v ? EnumLabel(v->name(), prefix) : "unknown";
}

std::string Concerns(const v1::ContactReceived& c) {
  std::string out;
  for (int i = 0; i < c.concerns_size(); ++i) {
    if (i) out += ", ";
    out += Label(c.concerns(i), v1::ConcernCategory_descriptor(), "CONCERN_CATEGORY_");
  }
  return out;
}

}  // namespace

std::string DescribeEvent(const v1::Envelope& e) {
  auto agency = [](v1::Agency a) { return Label(a, v1::Agency_descriptor(), "AGENCY_"); };
  switch (e.payload_case()) {
    case P::kContactReceived:
      return "Contact from " + agency(e.contact_received().source()) + ": " +
             Concerns(e.contact_received()) +
             (e.contact_received().already_open() ? " (already open)" : "");
    case P::kRagRated:
      return std::string(e.rag_rated().is_override() ? "RAG overridden to " : "RAG rated ") +
             Label(e.rag_rated().rating(), v1::RagRating_descriptor(), "RAG_RATING_") +
             (e.rag_rated().is_override()
                  ? " (" + WithoutBidiControls(e.rag_rated().override_reason()) + ")"
                  : "");
    case P::kPartnerCheckRequested:
      return "Partner check requested from " + agency(e.partner_check_requested().partner());
    case P::kPartnerCheckReturned:
      return "Partner check returned by " + agency(e.partner_check_returned().partner()) + ": " +
             Label(e.partner_check_returned().outcome(), v1::PartnerCheckOutcome_descriptor(),
                   "PARTNER_CHECK_OUTCOME_");
    case P::kContactDecided:
      return "Decision: " +
             Label(e.contact_decided().decision(), v1::ContactDecision_descriptor(),
                   "CONTACT_DECISION_") +
             (e.contact_decided().referrer_informed() ? " (referrer informed)" : "");
    case P::kReferrerInformed:
      return "Referrer informed of the decision";
    case P::kCaseAllocated:
      return "Allocated to " + e.case_allocated().worker_id() + " (" +
             e.case_allocated().team_id() + ")";
    case P::kAssessmentStarted:
      return "Assessment started: " + Label(e.assessment_started().type(),
                                            v1::AssessmentType_descriptor(), "ASSESSMENT_TYPE_");
    case P::kAssessmentCompleted:
      return "Assessment completed: " +
             Label(e.assessment_completed().outcome(), v1::AssessmentOutcome_descriptor(),
                   "ASSESSMENT_OUTCOME_") +
             "; child " +
             Label(e.assessment_completed().child_seen(), v1::SeenStatus_descriptor(),
                   "SEEN_STATUS_");
    case P::kChildSeen:
      return "Visit (" +
             Label(e.child_seen().context(), v1::VisitContext_descriptor(), "VISIT_CONTEXT_") +
             "): " + Label(e.child_seen().status(), v1::SeenStatus_descriptor(), "SEEN_STATUS_") +
             (e.child_seen().reason().empty()
                  ? ""
                  : " - " + WithoutBidiControls(e.child_seen().reason()));
    case P::kStrategyDiscussionHeld:
      return std::string("Strategy discussion: s47 threshold ") +
             (e.strategy_discussion_held().s47_threshold_met() ? "met" : "not met");
    case P::kS47EnquiryStarted:
      return "Section 47 enquiry started";
    case P::kS47EnquiryCompleted:
      return "Section 47 enquiry completed: " + Label(e.s47_enquiry_completed().outcome(),
                                                      v1::S47Outcome_descriptor(), "S47_OUTCOME_");
    case P::kConferenceHeld:
      return "Conference held (" +
             Label(e.conference_held().type(), v1::ConferenceType_descriptor(),
                   "CONFERENCE_TYPE_") +
             ")" + (e.conference_held().plan_required() ? ": plan required" : "");
    case P::kPlanStarted:
      return "Plan started: " +
             Label(e.plan_started().type(), v1::PlanType_descriptor(), "PLAN_TYPE_");
    case P::kPlanReviewed:
      return "Plan reviewed (" +
             Label(e.plan_reviewed().type(), v1::PlanType_descriptor(), "PLAN_TYPE_") +
             "): progress " +
             Label(e.plan_reviewed().progress(), v1::PlanProgress_descriptor(), "PLAN_PROGRESS_");
    case P::kPlanEnded:
      return "Plan ended (" +
             Label(e.plan_ended().type(), v1::PlanType_descriptor(), "PLAN_TYPE_") + "): " +
             Label(e.plan_ended().reason(), v1::PlanEndReason_descriptor(), "PLAN_END_REASON_");
    case P::kEarlyHelpOffered:
      return "Early help offered: " + Label(e.early_help_offered().intervention(),
                                            v1::Intervention_descriptor(), "INTERVENTION_");
    case P::kEarlyHelpStarted:
      return "Early help started: " + Label(e.early_help_started().intervention(),
                                            v1::Intervention_descriptor(), "INTERVENTION_");
    case P::kEarlyHelpClosed:
      return "Early help closed: " + Label(e.early_help_closed().outcome(),
                                           v1::EarlyHelpOutcome_descriptor(),
                                           "EARLY_HELP_OUTCOME_");
    case P::kAccommodationRecorded:
      return "Accommodation: " +
             Label(e.accommodation_recorded().type(), v1::AccommodationType_descriptor(),
                   "ACCOMMODATION_TYPE_") +
             " (" +
             Label(e.accommodation_recorded().suitability(), v1::Suitability_descriptor(),
                   "SUITABILITY_") +
             ")";
    case P::kLegalStageReached:
      return "Legal: " +
             Label(e.legal_stage_reached().stage(), v1::LegalStage_descriptor(), "LEGAL_STAGE_");
    case P::kQaAuditCompleted:
      return "QA audit: " +
             Label(e.qa_audit_completed().grade(), v1::AuditGrade_descriptor(), "AUDIT_GRADE_");
    case P::kHouseholdLinked:
      return "Linked to household " + e.household_linked().household_id();
    case P::kSiblingLinked:
      return "Sibling link to " + e.sibling_linked().sibling_child_id();
    case P::kCaseClosed:
      return "Case closed: " +
             Label(e.case_closed().reason(), v1::ClosureReason_descriptor(), "CLOSURE_REASON_");
    case P::kAlertAcknowledged:
      return "Alert " + e.alert_acknowledged().alert_id() + " acknowledged";
    case P::kCorrection:
      return std::string("Correction (") +
             (e.correction().has_amended() ? "amended " : "retracted ") +
             e.correction().target_event_id() + "): " + e.correction().reason();
    case P::kChildDetailsRecorded:
      return "Child's details recorded";
    case P::kAccessRestricted:
      return "Record restriction: " +
             Label(e.access_restricted().level(), v1::Restriction_descriptor(), "RESTRICTION_");
    default:
      return PayloadName(e);
  }
}

pv::ChildSummary Summarise(const pv::ChildRecord& r) {
  pv::ChildSummary s;
  s.set_child_id(r.child_id());
  s.set_name(r.name());
  s.set_household_id(r.household_id());
  s.set_restriction(r.restriction());
  s.set_stage(r.stage());
  if (r.has_stage_since()) *s.mutable_stage_since() = r.stage_since();
  s.set_rag(r.rag());
  if (r.has_allocation()) *s.mutable_allocation() = r.allocation();
  s.mutable_awaiting_decision()->CopyFrom(r.awaiting_decision());
  if (r.awaiting_decision_size() > 0) {
    const pv::OpenContact& first = r.awaiting_decision(0);
    *s.mutable_waiting_since() = first.received_at();
    s.set_queue_team_id(first.team_id());
    // The child's urgency is the most urgent open contact's (unrated sorts next to red).
    v1::RagRating rag = first.rag();
    for (const pv::OpenContact& c : r.awaiting_decision())
      if (keys::QueueRank(c.rag()) < keys::QueueRank(rag)) rag = c.rag();
    s.set_rag(rag);
    for (const pv::OpenClock& c : r.clocks())
      if (c.name() == "decision" && c.ref() == first.contact_id())
        *s.mutable_decision_overdue_from() = c.overdue_from();
  }
  for (const pv::Referral& ref : r.referrals()) {
    *s.add_referral_times() = ref.at();
    s.add_referral_is_re_referral(ref.re_referral());
  }
  s.mutable_flags()->CopyFrom(r.flags());
  s.set_accommodation(r.accommodation());
  s.set_accommodation_suitability(r.accommodation_suitability());
  s.mutable_decisions()->CopyFrom(r.decisions());
  s.mutable_audits()->CopyFrom(r.audits());
  return s;
}

namespace keys {

int QueueRank(v1::RagRating rag) {
  switch (rag) {
    case v1::RAG_RATING_RED:
      return 0;
    case v1::RAG_RATING_AMBER:
      return 2;
    case v1::RAG_RATING_GREEN:
      return 3;
    case v1::RAG_RATING_BLUE:
      return 4;
    default:
      return 1;
  }
}

std::string Queue(const pv::ChildSummary& s) {
  // Seconds since 1970 fit in 12 hex digits; offset so pre-1970 dates (none expected) still sort.
  auto secs = ToInstant(s.waiting_since()).time_since_epoch() / std::chrono::seconds(1);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%d/%012llx/", QueueRank(s.rag()),
                static_cast<unsigned long long>(secs + (1LL << 40)));
  return buf + s.child_id();
}

std::string Household(std::string_view household_id, std::string_view child_id) {
  return std::string(household_id) + '\0' + std::string(child_id);
}

std::string NamePrefix(std::string_view name) {
  std::string out;
  for (char c : name) out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string Name(std::string_view name, std::string_view child_id) {
  return NamePrefix(name) + '\0' + std::string(child_id);
}

std::string Link(std::string_view child, std::string_view sibling, std::string_view declarer) {
  return std::string(child) + '\0' + std::string(sibling) + '\0' + std::string(declarer);
}

std::vector<std::string> SplitKey(std::string_view key) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= key.size(); ++i) {
    if (i == key.size() || key[i] == '\0') {
      parts.emplace_back(key.substr(start, i - start));
      start = i + 1;
    }
  }
  return parts;
}

}  // namespace keys

pv::OwnedRows OwnedRowsOf(const pv::ChildRecord& r, const pv::ChildSummary& s) {
  pv::OwnedRows rows;
  if (s.awaiting_decision_size() > 0) rows.add_queue_keys(keys::Queue(s));
  if (!r.household_id().empty())
    rows.add_household_keys(keys::Household(r.household_id(), r.child_id()));
  if (!r.name().empty()) rows.add_name_keys(keys::Name(r.name(), r.child_id()));
  for (const pv::SiblingLink& l : r.siblings()) {
    rows.add_link_keys(keys::Link(r.child_id(), l.child_id(), r.child_id()));
    rows.add_link_keys(keys::Link(l.child_id(), r.child_id(), r.child_id()));
  }
  return rows;
}

}  // namespace sightline::domain
