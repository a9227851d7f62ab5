// The write matrix, cell by cell, and the actor taken from the credential.
#include "sightline/domain/access/write.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

namespace sightline::domain {
namespace {

namespace v1 = events::v1;

v1::Envelope Event(const std::string& type) {
  v1::Envelope e;
  e.set_event_id("e1");
  e.set_child_id("c1");
  const auto* field = v1::Envelope::descriptor()->FindFieldByName(type);
  EXPECT_NE(field, nullptr) << type;
  if (field) e.GetReflection()->MutableMessage(&e, field);  // Selects the payload.
  return e;
}

Writer Staff(UserRole role) { return {"u-1", role, "team-2", "", false}; }
Writer Partner() { return {"police-feed", std::nullopt, "", "AGENCY_POLICE", false}; }

// The documented matrix (README, "Who may write what"): M mash practitioner, S social worker,
// T team manager, V service manager, H head of service, A auditor, P partner system.
const std::map<std::string, std::string> kMatrix = {
    {"contact_received", "MTVHP"},
    {"rag_rated", "MTVH"},
    {"partner_check_requested", "MTVH"},
    {"partner_check_returned", "MTVHP"},
    {"contact_decided", "TVH"},
    {"referrer_informed", "MTVH"},
    {"case_allocated", "TVH"},
    {"assessment_started", "STVH"},
    {"assessment_completed", "STVH"},
    {"child_seen", "STVH"},
    {"strategy_discussion_held", "STVH"},
    {"s47_enquiry_started", "STVH"},
    {"s47_enquiry_completed", "STVH"},
    {"conference_held", "STVH"},
    {"plan_started", "STVH"},
    {"plan_reviewed", "STVH"},
    {"plan_ended", "STVH"},
    {"early_help_offered", "MSTVH"},
    {"early_help_started", "STVH"},
    {"early_help_closed", "STVH"},
    {"accommodation_recorded", "STVH"},
    {"legal_stage_reached", "STVH"},
    {"qa_audit_completed", "AVH"},
    {"household_linked", "MSTVH"},
    {"sibling_linked", "MSTVH"},
    {"case_closed", "TVH"},
    {"alert_acknowledged", "TVH"},
    {"correction", "MSTVH"},  // Practitioners: their own team's events (the gateway checks).
    {"child_details_recorded", "MSTVH"},
    {"access_restricted", "VH"},
    {"pipeline_heartbeat", ""},
};

TEST(WriteMatrix, EveryCell) {
  const std::map<char, Writer> writers = {
      {'M', Staff(UserRole::kMashPractitioner)},
      {'S', Staff(UserRole::kSocialWorker)},
      {'T', Staff(UserRole::kTeamManager)},
      {'V', Staff(UserRole::kServiceManager)},
      {'H', Staff(UserRole::kHeadOfService)},
      {'A', Staff(UserRole::kAuditor)},
      {'P', Partner()},
  };
  WritePolicy policy = DefaultWritePolicy();
  int cells = 0;
  for (const auto& [type, allowed] : kMatrix) {
    for (const auto& [code, writer] : writers) {
      v1::Envelope e = Event(type);
      auto refusal = AuthoriseWrite(e, writer, policy);
      bool want = allowed.find(code) != std::string::npos;
      EXPECT_EQ(!refusal.has_value(), want) << code << " " << type;
      ++cells;
    }
  }
  EXPECT_EQ(cells, 31 * 7);
  // Every event type of the schema is in the matrix.
  const auto* oneof = v1::Envelope::descriptor()->FindOneofByName("payload");
  ASSERT_NE(oneof, nullptr);
  for (int i = 0; i < oneof->field_count(); ++i)
    EXPECT_TRUE(kMatrix.contains(oneof->field(i)->name())) << oneof->field(i)->name();
}

TEST(WriteMatrix, OnlyARelaySendsImportedHistory) {
  // Marking live work as imported would start no clock: staff may not, whatever their role.
  WritePolicy policy = DefaultWritePolicy();
  for (UserRole role : {UserRole::kMashPractitioner, UserRole::kHeadOfService}) {
    v1::Envelope e = Event("contact_received");
    e.mutable_imported()->set_source("cin-census 2026");
    auto refused = AuthoriseWrite(e, Staff(role), policy);
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->field, "imported");
  }
  v1::Envelope e = Event("contact_received");
  e.mutable_imported()->set_source("cin-census 2026");
  EXPECT_FALSE(AuthoriseWrite(e, {"importer", std::nullopt, "", "", true}, policy));
}

TEST(WriteMatrix, TheCredentialDecidesTheActor) {
  WritePolicy policy = DefaultWritePolicy();
  v1::Envelope e = Event("rag_rated");
  ASSERT_FALSE(AuthoriseWrite(e, Staff(UserRole::kMashPractitioner), policy));
  EXPECT_EQ(e.actor().user_id(), "u-1");
  EXPECT_EQ(e.actor().role(), v1::ROLE_MASH_PRACTITIONER);
  EXPECT_EQ(e.actor().team_id(), "team-2");

  v1::Envelope someone_else = Event("case_allocated");
  someone_else.mutable_actor()->set_user_id("their-manager");
  auto r = AuthoriseWrite(someone_else, Staff(UserRole::kTeamManager), policy);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->field, "actor.user_id");

  v1::Envelope other_team = Event("case_allocated");
  other_team.mutable_actor()->set_team_id("team-9");
  EXPECT_EQ(AuthoriseWrite(other_team, Staff(UserRole::kTeamManager), policy)->field,
            "actor.team_id");

  v1::Envelope promoted = Event("contact_received");
  promoted.mutable_actor()->set_role(v1::ROLE_HEAD_OF_SERVICE);
  EXPECT_EQ(AuthoriseWrite(promoted, Staff(UserRole::kMashPractitioner), policy)->field,
            "actor.role");

  v1::Envelope override = Event("rag_rated");
  override.mutable_rag_rated()->set_is_override(true);
  EXPECT_EQ(AuthoriseWrite(override, Staff(UserRole::kMashPractitioner), policy)->field,
            "rag_rated.is_override");

  v1::Envelope contact = Event("contact_received");
  ASSERT_FALSE(AuthoriseWrite(contact, Partner(), policy));
  EXPECT_EQ(contact.actor().role(), v1::ROLE_PARTNER_AGENCY);
  EXPECT_EQ(contact.source_agency(), v1::AGENCY_POLICE);
  EXPECT_EQ(contact.contact_received().source(), v1::AGENCY_POLICE);
  v1::Envelope posing = Event("contact_received");
  posing.set_source_agency(v1::AGENCY_HEALTH_GP);
  EXPECT_EQ(AuthoriseWrite(posing, Partner(), policy)->field, "source_agency");

  // A relay keeps the staff named in the body, but never sends the heartbeat.
  Writer relay{"cms-bridge", std::nullopt, "", "", true};
  v1::Envelope relayed = Event("case_allocated");
  relayed.mutable_actor()->set_user_id("tm-3");
  EXPECT_FALSE(AuthoriseWrite(relayed, relay, policy));
  EXPECT_EQ(relayed.actor().user_id(), "tm-3");
  v1::Envelope beat = Event("pipeline_heartbeat");
  EXPECT_TRUE(AuthoriseWrite(beat, relay, policy));
}

}  // namespace
}  // namespace sightline::domain
