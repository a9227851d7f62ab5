#include "sightline/domain/events/validation.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "sightline/domain/events/codec.h"

namespace sightline::domain {
namespace {

using ::testing::Contains;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

const Instant kNow =
    std::chrono::sys_days{std::chrono::November / 23 / 2026} + std::chrono::hours(12);

std::string ValidContact() {
  return R"({"eventId":"ev-1","childId":"child-1","householdId":"hh-1",
    "occurredAt":"2026-11-20T09:00:00Z",
    "actor":{"userId":"u-7","role":"ROLE_MASH_PRACTITIONER","teamId":"mash"},
    "sourceAgency":"AGENCY_POLICE","refs":{"contactId":"ct-1"},
    "contactReceived":{"source":"AGENCY_POLICE","concerns":["CONCERN_CATEGORY_NEGLECT"],
      "relatedChildIds":["child-2"]}})";
}

FieldErrors Errors(const std::string& json) {
  auto r = AcceptEventJson(json, kNow, ValidationLimits{});
  return r.ok() ? FieldErrors{} : r.errors();
}

// Replaces the first occurrence of `from` in the valid contact with `to`.
std::string Edit(const std::string& from, const std::string& to) {
  std::string s = ValidContact();
  auto pos = s.find(from);
  EXPECT_NE(pos, std::string::npos) << from;
  return s.replace(pos, from.size(), to);
}

auto HasError(const std::string& field, const std::string& reason_part) {
  return Contains(::testing::AllOf(Field(&FieldError::field, field),
                                   Field(&FieldError::reason, HasSubstr(reason_part))));
}

TEST(EventValidation, AcceptsAValidContactAndStampsRecordedAt) {
  auto r = AcceptEventJson(ValidContact(), kNow, ValidationLimits{});
  ASSERT_TRUE(r.ok()) << r.errors()[0].ToString();
  EXPECT_EQ(ToInstant(r.value().recorded_at()), kNow);
  EXPECT_EQ(*EventTypeName(r.value()), "contact_received");
}

TEST(EventValidation, MalformedJsonIsABodyError) {
  auto errors = Errors(R"({"eventId":"ev-1",)");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].field, "");
  EXPECT_THAT(errors[0].reason, HasSubstr("malformed JSON"));
}

TEST(EventValidation, UnknownEventTypeIsNamed) {
  EXPECT_THAT(Errors(Edit("\"contactReceived\"", "\"childTeleported\"")),
              HasError("childTeleported", "unknown field or event type"));
}

TEST(EventValidation, UnknownNestedFieldIsNamed) {
  EXPECT_THAT(Errors(Edit("\"relatedChildIds\"", "\"siblings\"")),
              HasError("contact_received.siblings", "unknown field"));
}

TEST(EventValidation, MissingChildId) {
  EXPECT_THAT(Errors(Edit(R"("childId":"child-1",)", "")), HasError("child_id", "required"));
}

TEST(EventValidation, MissingPayload) {
  std::string s = ValidContact();
  s = s.substr(0, s.find(",\n    \"contactReceived\"")) + "}";
  EXPECT_THAT(Errors(s), HasError("payload", "required"));
}

TEST(EventValidation, UnspecifiedEnumIsRejected) {
  EXPECT_THAT(Errors(Edit("\"source\":\"AGENCY_POLICE\"", "\"source\":\"AGENCY_UNSPECIFIED\"")),
              HasError("contact_received.source", "AGENCY_UNSPECIFIED is not an allowed value"));
  EXPECT_THAT(Errors(Edit("\"CONCERN_CATEGORY_NEGLECT\"", "\"CONCERN_CATEGORY_UNSPECIFIED\"")),
              HasError("contact_received.concerns[0]", "not an allowed value"));
}

TEST(EventValidation, UnsetEnumIsRejectedAsUnspecified) {
  EXPECT_THAT(Errors(Edit(R"("role":"ROLE_MASH_PRACTITIONER",)", "")),
              HasError("actor.role", "ROLE_UNSPECIFIED"));
}

TEST(EventValidation, UnknownEnumNameOrNumber) {
  EXPECT_THAT(Errors(Edit("\"AGENCY_POLICE\",\"refs\"", "\"AGENCY_MARTIANS\",\"refs\"")),
              HasError("source_agency", "AGENCY_MARTIANS"));
  EXPECT_THAT(Errors(Edit("\"AGENCY_POLICE\",\"refs\"", "999,\"refs\"")),
              HasError("source_agency", "unknown Agency value 999"));
}

TEST(EventValidation, ImpossibleTimestamps) {
  EXPECT_THAT(Errors(Edit("2026-11-20T09:00:00Z", "2026-02-30T09:00:00Z")),
              HasError("occurred_at", "Invalid time format"));
  EXPECT_THAT(Errors(Edit("2026-11-20T09:00:00Z", "2031-01-01T09:00:00Z")),
              HasError("occurred_at", "in the future"));
  EXPECT_THAT(Errors(Edit("2026-11-20T09:00:00Z", "1970-01-01T00:00:00Z")),
              HasError("occurred_at", "impossibly early"));
  EXPECT_THAT(Errors(Edit(R"("occurredAt":"2026-11-20T09:00:00Z",)", "")),
              HasError("occurred_at", "required"));
}

TEST(EventValidation, RecordedBeforeOccurred) {
  EXPECT_THAT(
      Errors(Edit(R"("occurredAt":"2026-11-20T09:00:00Z",)",
                  R"("occurredAt":"2026-11-20T09:00:00Z","recordedAt":"2026-11-19T09:00:00Z",)")),
      HasError("recorded_at", "before occurred_at"));
}

TEST(EventValidation, MalformedIds) {
  EXPECT_THAT(Errors(Edit("\"child-1\"", "\"child 1; DROP\"")),
              HasError("child_id", "not a well-formed id"));
  EXPECT_THAT(Errors(Edit("\"child-2\"", "\"-bad\"")),
              HasError("contact_received.related_child_ids[0]", "not a well-formed id"));
  EXPECT_THAT(Errors(Edit("\"child-2\"", "\"child-1\"")),
              HasError("contact_received.related_child_ids[0]", "own child"));
}

TEST(EventValidation, WrongJsonType) {
  EXPECT_THAT(Errors(Edit("\"ev-1\"", "17")), HasError("event_id", "invalid value 17"));
}

TEST(EventValidation, PayloadNeedsItsRefs) {
  EXPECT_THAT(Errors(Edit(R"("refs":{"contactId":"ct-1"},)", "")),
              HasError("refs.contact_id", "required for contact_received"));
}

TEST(EventValidation, TwoPayloadsAreRejected) {
  EXPECT_THAT(Errors(Edit("\"contactReceived\"",
                          R"("ragRated":{"rating":"RAG_RATING_RED"},"contactReceived")")),
              HasError("payload", "more than one"));
}

TEST(EventValidation, OverlongText) {
  EXPECT_THAT(Errors(Edit("\"relatedChildIds\"",
                          "\"summary\":\"" + std::string(5000, 'x') + "\",\"relatedChildIds\"")),
              HasError("contact_received.summary", "too long"));
}

TEST(EventValidation, TextIsCountedInCharactersAndMustBeCleanUtf8) {
  auto with_summary = [](const std::string& summary) {
    return Errors(
        Edit("\"relatedChildIds\"", "\"summary\":\"" + summary + "\",\"relatedChildIds\""));
  };
  // 3,000 two-byte characters are 6,000 bytes but within the 4,000-character limit.
  std::string accented;
  for (int i = 0; i < 3000; ++i) accented += "\u00e9";
  EXPECT_THAT(with_summary(accented), Not(HasError("contact_received.summary", "")));
  EXPECT_THAT(with_summary("line one\\nline two\\ttab"),
              Not(HasError("contact_received.summary", "")));
  EXPECT_THAT(with_summary("nul \\u0000 inside"),
              HasError("contact_received.summary", "control characters"));
  EXPECT_THAT(with_summary("bell \\u0007"),
              HasError("contact_received.summary", "control characters"));
  // Raw bytes that are not UTF-8 never reach the log, whichever layer notices first.
  auto raw = AcceptEventJson(
      Edit("\"relatedChildIds\"", "\"summary\":\"bad \xff\xfe\",\"relatedChildIds\""), kNow,
      ValidationLimits{});
  ASSERT_FALSE(raw.ok());
  EXPECT_FALSE(raw.errors().empty());
}

TEST(EventValidation, RepeatedFieldsAreCapped) {
  std::string many;
  for (int i = 0; i < 101; ++i)
    many += std::string(i ? "," : "") + "\"c-" + std::to_string(i) + "\"";
  EXPECT_THAT(Errors(Edit("\"relatedChildIds\":[", "\"relatedChildIds\":[" + many + ",")),
              HasError("contact_received.related_child_ids", "too many items (10"));
}

// Rules of the door: what the gateway refuses today, while events that an earlier gateway let
// into the log stay readable by the consumers (a rebuild must not lose them).
TEST(EventValidation, TheDoorRefusesInvisibleControlsThatTheLogStillReads) {
  auto details = [](const std::string& name) {
    return R"({"eventId":"ev-9","childId":"child-1","occurredAt":"2026-11-20T09:00:00Z",
      "actor":{"userId":"u-1","role":"ROLE_TEAM_MANAGER"},"sourceAgency":"AGENCY_CHILDRENS_SOCIAL_CARE",
      "refs":{},"childDetailsRecorded":{"dateOfBirth":"2015-01-01","gender":"GENDER_FEMALE",
      "disability":"DISABILITY_NONE","name":")" +
           name + "\"}}";
  };
  auto with_summary = [](const std::string& summary) {
    return Edit("\"relatedChildIds\"", "\"summary\":\"" + summary + "\",\"relatedChildIds\"");
  };
  struct Case {
    std::string json, field, reason;
  } cases[] = {
      // "Ann Smith" spelt backwards behind a right-to-left override shows as "Ann Smith".
      {details("\\u202Ehtim\\u0053 nnA"), "child_details_recorded.name", "bidirectional control"},
      {details("Ann \\u2066Smith\\u2069"), "child_details_recorded.name", "bidirectional control"},
      {details("Ann\\nSmith"), "child_details_recorded.name", "one line"},
      {details("Ann\\tSmith"), "child_details_recorded.name", "one line"},
      {with_summary("a C1 control \\u0085 inside"), "contact_received.summary", "C1 control"},
      {with_summary("\\u009b31m red"), "contact_received.summary", "C1 control"},
  };
  for (const Case& c : cases) {
    EXPECT_THAT(Errors(c.json), HasError(c.field, c.reason)) << c.json;
    auto logged = AcceptEventJson(c.json, kNow, LogValidationLimits());
    EXPECT_TRUE(logged.ok()) << c.json << ": " << logged.errors()[0].ToString();
  }
  // Names in scripts written right to left need no control to be shown, and a summary may still
  // use them where they are no name.
  for (const std::string& ok :
       {details("\\u05D3\\u05E0\\u05D4 \\u05DB\\u05D4\\u05DF"),
        details("\\u0644\\u064A\\u0644\\u0649 O'Neil-Smith"),
        with_summary("quoted \\u2067\\u05E9\\u05DC\\u05D5\\u05DD\\u2069 here"),
        with_summary("\\u00a0\\u00a3 and \\u00e9")})
    EXPECT_THAT(Errors(ok), IsEmpty()) << ok;
}

// Each payload-specific rule, by a minimal event of that type.
struct PayloadCase {
  std::string name;
  std::string refs;
  std::string payload;
  std::string field;  // Empty: the event is valid.
  std::string reason;
};

class PayloadRules : public ::testing::TestWithParam<PayloadCase> {};

TEST_P(PayloadRules, Apply) {
  const PayloadCase& c = GetParam();
  std::string json = R"({"eventId":"ev-9","childId":"child-1","occurredAt":"2026-11-20T09:00:00Z",
    "actor":{"userId":"u-1","role":"ROLE_TEAM_MANAGER"},"sourceAgency":"AGENCY_CHILDRENS_SOCIAL_CARE",
    "refs":)" + c.refs +
                     "," + c.payload + "}";
  FieldErrors errors = Errors(json);
  if (c.field.empty()) {
    EXPECT_THAT(errors, IsEmpty()) << errors[0].ToString();
  } else {
    EXPECT_THAT(errors, HasError(c.field, c.reason));
  }
}

INSTANTIATE_TEST_SUITE_P(
    All, PayloadRules,
    ::testing::Values(
        PayloadCase{"OverrideWithoutReason", R"({"contactId":"c"})",
                    R"("ragRated":{"rating":"RAG_RATING_RED","isOverride":true})",
                    "rag_rated.override_reason", "required when is_override"},
        PayloadCase{
            "OverrideWithReason", R"({"contactId":"c"})",
            R"("ragRated":{"rating":"RAG_RATING_RED","isOverride":true,"overrideReason":"history"})",
            "", ""},
        PayloadCase{"S47DecisionWithoutReferral", R"({"contactId":"c"})",
                    R"("contactDecided":{"decision":"CONTACT_DECISION_S47_STRATEGY"})",
                    "refs.referral_id", "s47"},
        PayloadCase{
            "NotSeenWithoutReason", R"({})",
            R"("childSeen":{"status":"SEEN_STATUS_NOT_SEEN","context":"VISIT_CONTEXT_CHILD_PROTECTION"})",
            "child_seen.reason", "required"},
        PayloadCase{
            "RefusedWithoutWho", R"({})",
            R"("childSeen":{"status":"SEEN_STATUS_ACCESS_REFUSED","context":"VISIT_CONTEXT_CHILD_PROTECTION","reason":"x"})",
            "child_seen.refused_by", "required when access was refused"},
        PayloadCase{
            "SeenWithoutRefusal", R"({})",
            R"("childSeen":{"status":"SEEN_STATUS_SEEN_ALONE","context":"VISIT_CONTEXT_CHILD_PROTECTION"})",
            "", ""},
        PayloadCase{"CpPlanWithoutCategory", R"({"planId":"p"})",
                    R"("planStarted":{"type":"PLAN_TYPE_CHILD_PROTECTION"})",
                    "plan_started.category", "child protection"},
        PayloadCase{"CinPlanWithoutNeedCode", R"({"planId":"p"})",
                    R"("planStarted":{"type":"PLAN_TYPE_CHILD_IN_NEED"})",
                    "plan_started.primary_need_code", "N0-N9"},
        PayloadCase{"ConferenceWithoutCategory", R"({"conferenceId":"k"})",
                    R"("conferenceHeld":{"type":"CONFERENCE_TYPE_INITIAL","planRequired":true})",
                    "conference_held.category", "plan_required"},
        PayloadCase{
            "BadFactorCode", R"({"assessmentId":"a"})",
            R"("assessmentCompleted":{"type":"ASSESSMENT_TYPE_S47","childSeen":"SEEN_STATUS_SEEN_ALONE","outcome":"ASSESSMENT_OUTCOME_OTHER","factors":["abuse"]})",
            "assessment_completed.factors[0]", "factor code"},
        PayloadCase{
            "OwnSibling", R"({})",
            R"("siblingLinked":{"siblingChildId":"child-1","relation":"SIBLING_RELATION_FULL"})",
            "sibling_linked.sibling_child_id", "own sibling"},
        PayloadCase{"AckWithoutAlert", R"({})", R"("alertAcknowledged":{"note":"seen"})",
                    "alert_acknowledged.alert_id", "required"},
        PayloadCase{
            "BadBirthDate", R"({})",
            R"("childDetailsRecorded":{"dateOfBirth":"2019-13-01","gender":"GENDER_FEMALE","disability":"DISABILITY_NONE"})",
            "child_details_recorded.date_of_birth", "YYYY-MM-DD"},
        PayloadCase{
            "WrongUpnCheckLetter", R"({})",
            R"("childDetailsRecorded":{"dateOfBirth":"2015-01-01","gender":"GENDER_FEMALE","disability":"DISABILITY_NONE","upn":"R247962919251"})",
            "child_details_recorded.upn", "check letter"},
        PayloadCase{
            "UpnAndAReasonForNone", R"({})",
            R"("childDetailsRecorded":{"dateOfBirth":"2015-01-01","gender":"GENDER_FEMALE","disability":"DISABILITY_NONE","upn":"A950000178301","upnUnknownReason":"UN4"})",
            "child_details_recorded.upn_unknown_reason", "only when there is no upn"},
        PayloadCase{
            "UnknownUpnReason", R"({})",
            R"("childDetailsRecorded":{"dateOfBirth":"2015-01-01","gender":"GENDER_FEMALE","disability":"DISABILITY_NONE","upnUnknownReason":"UN11"})",
            "child_details_recorded.upn_unknown_reason", "UN1-UN10"},
        PayloadCase{
            "NoneWithADisability", R"({})",
            R"("childDetailsRecorded":{"dateOfBirth":"2015-01-01","gender":"GENDER_FEMALE","disability":"DISABILITY_YES","disabilityCodes":["NONE","AUT"]})",
            "child_details_recorded.disability_codes", "NONE cannot"},
        PayloadCase{
            "DisabilityTwice", R"({})",
            R"("childDetailsRecorded":{"dateOfBirth":"2015-01-01","gender":"GENDER_FEMALE","disability":"DISABILITY_YES","disabilityCodes":["AUT","AUT"]})",
            "child_details_recorded.disability_codes[1]", "twice"},
        PayloadCase{
            "UnknownDisabilityCode", R"({})",
            R"("childDetailsRecorded":{"dateOfBirth":"2015-01-01","gender":"GENDER_FEMALE","disability":"DISABILITY_YES","disabilityCodes":["AUTISM"]})",
            "child_details_recorded.disability_codes[0]", "disability code"},
        PayloadCase{
            "CensusDetailsAccepted", R"({})",
            R"("childDetailsRecorded":{"dateOfBirth":"2015-01-01","gender":"GENDER_FEMALE","disability":"DISABILITY_YES","upn":"A950000178301","formerUpn":"H243278544154","disabilityCodes":["AUT","HEAR"]})",
            "", ""},
        PayloadCase{
            "BadNeedAtAssessment", R"({"assessmentId":"a"})",
            R"("assessmentCompleted":{"type":"ASSESSMENT_TYPE_S17_CHILD_AND_FAMILY","childSeen":"SEEN_STATUS_SEEN_ALONE","outcome":"ASSESSMENT_OUTCOME_OTHER","primaryNeedCode":"N10"})",
            "assessment_completed.primary_need_code", "N0-N9"},
        PayloadCase{"BadCinClosureReason", R"({})",
                    R"("caseClosed":{"reason":"CLOSURE_REASON_OTHER","cinClosureReason":"RC10"})",
                    "case_closed.cin_closure_reason", "RC1-RC9"},
        PayloadCase{
            "UnbornChild", R"({})",
            R"("childDetailsRecorded":{"unborn":true,"expectedDate":"2027-02-01","gender":"GENDER_NOT_KNOWN","disability":"DISABILITY_NOT_KNOWN"})",
            "", ""},
        PayloadCase{"RetractionWithoutReason", R"({})",
                    R"("correction":{"targetEventId":"ev-1","retract":{}})", "correction.reason",
                    "say why"},
        PayloadCase{"CorrectionOfItself", R"({})",
                    R"("correction":{"targetEventId":"ev-9","reason":"typo","retract":{}})",
                    "correction.target_event_id", "itself"},
        PayloadCase{"CorrectionWithoutChange", R"({})",
                    R"("correction":{"targetEventId":"ev-1","reason":"typo"})", "correction.change",
                    "retract, amended"},
        PayloadCase{
            "AmendmentOfOtherEvent", R"({})",
            R"("correction":{"targetEventId":"ev-1","reason":"typo","amended":{"eventId":"ev-2","childId":"child-1","occurredAt":"2026-11-20T09:00:00Z","actor":{"userId":"u","role":"ROLE_TEAM_MANAGER"},"sourceAgency":"AGENCY_POLICE","refs":{"contactId":"c"},"ragRated":{"rating":"RAG_RATING_AMBER"}}})",
            "correction.amended.event_id", "target_event_id"},
        PayloadCase{
            "InvalidAmendment", R"({})",
            R"("correction":{"targetEventId":"ev-1","reason":"typo","amended":{"eventId":"ev-1","childId":"child-1","occurredAt":"2026-11-20T09:00:00Z","actor":{"userId":"u","role":"ROLE_TEAM_MANAGER"},"sourceAgency":"AGENCY_POLICE","refs":{"contactId":"c"},"ragRated":{}}})",
            "correction.amended.rag_rated.rating", "RAG_RATING_UNSPECIFIED"},
        PayloadCase{
            "ValidAmendment", R"({})",
            R"("correction":{"targetEventId":"ev-1","reason":"wrong rating","amended":{"eventId":"ev-1","childId":"child-1","occurredAt":"2026-11-20T09:00:00Z","actor":{"userId":"u","role":"ROLE_TEAM_MANAGER"},"sourceAgency":"AGENCY_POLICE","refs":{"contactId":"c"},"ragRated":{"rating":"RAG_RATING_AMBER"}}})",
            "", ""}),
    [](const auto& param_info) { return param_info.param.name; });

TEST(Ids, WellFormed) {
  EXPECT_TRUE(IsWellFormedId("child-1"));
  EXPECT_TRUE(IsWellFormedId("urn:la:878.C_001"));
  EXPECT_FALSE(IsWellFormedId(""));
  EXPECT_FALSE(IsWellFormedId("-x"));
  EXPECT_FALSE(IsWellFormedId("a b"));
  EXPECT_FALSE(IsWellFormedId(std::string(129, 'a')));
  EXPECT_TRUE(IsWellFormedId(std::string(128, 'a')));
}

TEST(Timestamps, RoundTripIncludingNegative) {
  for (long long s : {0LL, 1700000000LL, -5LL}) {
    google::protobuf::Timestamp ts;
    ts.set_seconds(s);
    ts.set_nanos(250);
    auto back = ToTimestamp(ToInstant(ts));
    EXPECT_EQ(back.seconds(), s);
    EXPECT_EQ(back.nanos(), 250);
  }
}

}  // namespace
}  // namespace sightline::domain
