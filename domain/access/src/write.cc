#include "sightline/domain/access/write.h"

#include <google/protobuf/descriptor.h>

namespace sightline::domain {

namespace v1 = events::v1;

std::string PayloadType(const v1::Envelope& event) {
  if (event.payload_case() == v1::Envelope::PAYLOAD_NOT_SET) return "";
  const auto* field = v1::Envelope::descriptor()->FindFieldByNumber(event.payload_case());
  return field ? field->name() : "";
}

WritePolicy DefaultWritePolicy() {
  using R = UserRole;
  const std::set<R> managers = {R::kTeamManager, R::kServiceManager, R::kHeadOfService};
  const std::set<R> mash = {R::kMashPractitioner, R::kTeamManager, R::kServiceManager,
                            R::kHeadOfService};
  const std::set<R> casework = {R::kSocialWorker, R::kTeamManager, R::kServiceManager,
                                R::kHeadOfService};
  const std::set<R> staff = {R::kMashPractitioner, R::kSocialWorker, R::kTeamManager,
                             R::kServiceManager, R::kHeadOfService};
  WritePolicy p;
  for (const char* t : {"contact_received", "rag_rated", "partner_check_requested",
                        "partner_check_returned", "referrer_informed"})
    p.staff[t] = mash;
  for (const char* t :
       {"assessment_started", "assessment_completed", "child_seen", "strategy_discussion_held",
        "s47_enquiry_started", "s47_enquiry_completed", "conference_held", "plan_started",
        "plan_reviewed", "plan_ended", "early_help_started", "early_help_closed",
        "accommodation_recorded", "legal_stage_reached"})
    p.staff[t] = casework;
  // Corrections: the gateway further limits practitioners to their own team's events.
  // Early help is offered at the front door (a MASH decision) as well as from casework.
  for (const char* t : {"child_details_recorded", "household_linked", "sibling_linked",
                        "correction", "early_help_offered"})
    p.staff[t] = staff;
  for (const char* t : {"contact_decided", "case_allocated", "case_closed", "alert_acknowledged"})
    p.staff[t] = managers;
  p.staff["access_restricted"] = {R::kServiceManager, R::kHeadOfService};
  p.staff["qa_audit_completed"] = {R::kAuditor, R::kServiceManager, R::kHeadOfService};
  p.partner = {"contact_received", "partner_check_returned"};
  p.rag_override = managers;
  return p;
}

std::optional<FieldError> AuthoriseWrite(v1::Envelope& event, const Writer& writer,
                                         const WritePolicy& policy) {
  std::string type = PayloadType(event);
  if (type == "pipeline_heartbeat")
    return FieldError{"pipeline_heartbeat", "sent by the gateway itself, never by a client"};
  if (event.has_imported() && !writer.relay)
    return FieldError{"imported",
                      "imported history comes only from a trusted relay (the "
                      "import); live work is never marked imported, which would "
                      "start no clock"};
  if (writer.relay || type.empty())
    return std::nullopt;  // A relay names its staff; no payload: 400.

  const v1::Actor& claimed = event.actor();
  if (!claimed.user_id().empty() && claimed.user_id() != writer.subject)
    return FieldError{"actor.user_id", "you are authenticated as '" + writer.subject +
                                           "'; an event records its writer, not someone else"};
  if (writer.role) {
    if (claimed.role() != v1::ROLE_UNSPECIFIED && claimed.role() != RecordedRole(*writer.role))
      return FieldError{"actor.role",
                        "your role is " + std::string(RoleName(*writer.role)) + ", not that one"};
    if (!claimed.team_id().empty() && claimed.team_id() != writer.team_id)
      return FieldError{"actor.team_id", "your team is '" + writer.team_id + "'"};
    auto allowed = policy.staff.find(type);
    if (allowed == policy.staff.end() || !allowed->second.contains(*writer.role))
      return FieldError{type, "a " + std::string(RoleName(*writer.role)) + " may not send " + type};
    if (type == "rag_rated" && event.rag_rated().is_override() &&
        !policy.rag_override.contains(*writer.role))
      return FieldError{"rag_rated.is_override", "only a manager may override a RAG rating"};
    v1::Actor* actor = event.mutable_actor();
    actor->set_user_id(writer.subject);
    actor->set_role(RecordedRole(*writer.role));
    actor->set_team_id(writer.team_id);
    return std::nullopt;
  }
  // A partner system.
  v1::Agency agency = v1::AGENCY_UNSPECIFIED;
  if (writer.agency.empty() || !v1::Agency_Parse(writer.agency, &agency))
    return FieldError{"actor", "this credential names neither a role nor a known agency"};
  if (claimed.role() != v1::ROLE_UNSPECIFIED && claimed.role() != v1::ROLE_PARTNER_AGENCY)
    return FieldError{"actor.role", "a partner system writes as ROLE_PARTNER_AGENCY"};
  if (event.source_agency() != v1::AGENCY_UNSPECIFIED && event.source_agency() != agency)
    return FieldError{"source_agency", "you are authenticated as " + writer.agency};
  if (!policy.partner.contains(type))
    return FieldError{type, "a partner agency may not send " + type};
  v1::Actor* actor = event.mutable_actor();
  actor->set_user_id(writer.subject);
  actor->set_role(v1::ROLE_PARTNER_AGENCY);
  actor->clear_team_id();
  event.set_source_agency(agency);
  if (type == "contact_received" && event.contact_received().source() == v1::AGENCY_UNSPECIFIED)
    event.mutable_contact_received()->set_source(agency);
  return std::nullopt;
}

}  // namespace sightline::domain
