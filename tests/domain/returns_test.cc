// The CIN census built from events (domain/returns, ADR 0021): episodes, the year's cut, the
// inferences it makes, identifiers and code sets. DfE's own validator runs over a simulated
// county in tests/returns/cin_census.sh; these pin the rules one story at a time.
#include "sightline/domain/returns/annex_a.h"
#include "sightline/domain/returns/cin_census.h"
#include "sightline/domain/returns/cin_census_import.h"

#include <gtest/gtest.h>

#include <regex>

#include "sightline/domain/events/census_codes.h"
#include "sightline/domain/events/codec.h"
#include "sightline/domain/events/validation.h"
#include "sightline/simulator/simulate.h"
#include "sightline/xml/xml.h"

namespace sightline::domain::returns {
namespace {

namespace v1 = events::v1;

// One event of child c1 from a JSON payload, at a day (10:00 UTC) with refs.
v1::Envelope Ev(const std::string& id, const std::string& day, const std::string& refs,
                const std::string& payload) {
  std::string json =
      R"({"event_id":")" + id + R"(","child_id":"c1","occurred_at":")" + day +
      R"(T10:00:00Z","actor":{"user_id":"sw1","role":"ROLE_SOCIAL_WORKER","team_id":"t1"},)" +
      R"("refs":{)" + refs + "}," + payload + "}";
  auto parsed = ParseEventJson(json);
  EXPECT_TRUE(parsed.ok()) << json << " "
                           << (parsed.ok() ? "" : parsed.errors().front().ToString());
  v1::Envelope e = parsed.ok() ? parsed.value() : v1::Envelope();
  *e.mutable_recorded_at() = e.occurred_at();
  return e;
}

const char* kDetails =
    R"("child_details_recorded":{"date_of_birth":"2016-05-01","gender":"GENDER_FEMALE",)"
    R"("ethnicity":"WBRI","disability":"DISABILITY_NONE","upn":"A950000178301"})";

std::vector<v1::Envelope> Referred(const std::string& day) {
  return {
      Ev("d", "2026-01-05", "", kDetails),
      Ev("c", day, R"("contact_id":"k1")",
         R"("contact_received":{"source":"AGENCY_SCHOOL","concerns":["CONCERN_CATEGORY_NEGLECT"],"summary":"x"})"),
      Ev("r", day, R"("contact_id":"k1","referral_id":"r1")",
         R"("contact_decided":{"decision":"CONTACT_DECISION_S17_ASSESSMENT","rationale":"x"})")};
}

std::string Census(const std::vector<v1::Envelope>& events, CinCensusFigures* f = nullptr) {
  CinCensusOptions o{.year = ParseCollectionYear("2026-27").value(),
                     .la_code = "886",
                     .generated_at = "2027-04-05T09:00:00"};
  return CinCensusXml(events, Calendar(), o, f);
}

// The text of the first element named `tag` (empty when there is none).
std::string Text(const std::string& xml, const std::string& tag) {
  std::smatch m;
  if (!std::regex_search(xml, m, std::regex("<" + tag + ">([^<]*)</" + tag + ">"))) return "";
  return m[1];
}

int Count(const std::string& xml, const std::string& tag) {
  int n = 0;
  for (std::size_t at = xml.find("<" + tag + ">"); at != std::string::npos;
       at = xml.find("<" + tag + ">", at + 1))
    ++n;
  return n;
}

// A simulated county: `days` from `start`, `per_day` contacts a weekday.
SimulationParams County(int seed, std::chrono::year_month_day start, int days, int per_day) {
  SimulationParams p;
  p.seed = static_cast<std::uint64_t>(seed);
  p.start_day = std::chrono::sys_days(start);
  p.days = days;
  p.contacts_per_day = per_day;
  return p;
}

TEST(CinCensus, CollectionYearsAreAprilToMarch) {
  auto y = ParseCollectionYear("2026-27");
  ASSERT_TRUE(y.ok());
  EXPECT_EQ(y.value().start, std::chrono::sys_days(std::chrono::year(2026) / 4 / 1));
  EXPECT_EQ(y.value().end, std::chrono::sys_days(std::chrono::year(2027) / 3 / 31));
  EXPECT_EQ(y.value().end_year, 2027);
  for (const char* bad : {"2026-28", "26-27", "2026/27", "2026-2027", "", "abcd-ef"})
    EXPECT_FALSE(ParseCollectionYear(bad).ok()) << bad;
}

TEST(CinCensus, LaChildIdsAreShortAlphanumericAndStable) {
  EXPECT_EQ(LaChildId("Child123"), "Child123");
  std::string hashed = LaChildId("cin-child126");
  EXPECT_EQ(hashed.size(), 17u);
  EXPECT_EQ(hashed[0], 'S');
  EXPECT_TRUE(std::all_of(hashed.begin(), hashed.end(), [](char c) { return std::isalnum(c); }));
  EXPECT_EQ(LaChildId(hashed), hashed);  // An imported child keeps its id on the next export.
  EXPECT_NE(LaChildId("cin-child127"), hashed);
  EXPECT_NE(LaChildId("a-much-longer-id-than-twenty-characters"), "");
}

TEST(CinCensus, UpnsCarryTheirCheckLetter) {
  // DfE's examples (the validator's rule 1510 test): valid, and a wrong first character.
  EXPECT_TRUE(census::IsUpn("A950000178301"));
  EXPECT_TRUE(census::IsUpn("H243278544154"));
  EXPECT_FALSE(census::IsUpn("R247962919251"));
  EXPECT_FALSE(census::IsUpn("X428558133462"));
  EXPECT_FALSE(census::IsUpn("R325"));
  for (long long serial : {0LL, 1LL, 99LL, 123456789LL}) {
    std::string upn = census::MakeUpn("886", serial);
    EXPECT_TRUE(census::IsUpn(upn)) << upn;
    EXPECT_EQ(upn.substr(1, 3), "886");
  }
  EXPECT_TRUE(census::IsUpnUnknownReason("UN1"));
  EXPECT_TRUE(census::IsUpnUnknownReason("UN10"));
  EXPECT_FALSE(census::IsUpnUnknownReason("UN11"));
  EXPECT_FALSE(census::IsUpnUnknownReason("UN01"));
  EXPECT_TRUE(census::IsClosureReasonCode("RC9"));
  EXPECT_FALSE(census::IsClosureReasonCode("RC10"));
}

TEST(CinCensus, AnAssessedReferralClosedWithNoFurtherActionIsRc8) {
  auto events = Referred("2026-06-01");
  events.push_back(Ev("as", "2026-06-02", R"("referral_id":"r1","assessment_id":"a1")",
                      R"("assessment_started":{"type":"ASSESSMENT_TYPE_S17_CHILD_AND_FAMILY"})"));
  events.push_back(Ev("ac", "2026-06-20", R"("assessment_id":"a1")",
                      R"("assessment_completed":{"type":"ASSESSMENT_TYPE_S17_CHILD_AND_FAMILY",)"
                      R"("factors":["21"],"outcome":"ASSESSMENT_OUTCOME_NO_FURTHER_ACTION"})"));
  events.push_back(Ev("x", "2026-06-22", R"("referral_id":"r1")",
                      R"("case_closed":{"reason":"CLOSURE_REASON_NO_FURTHER_ACTION"})"));
  CinCensusFigures f;
  std::string xml = Census(events, &f);
  EXPECT_EQ(Text(xml, "CINreferralDate"), "2026-06-01");
  EXPECT_EQ(Text(xml, "ReferralSource"), "2A");
  EXPECT_EQ(Text(xml, "PrimaryNeedCode"), "N1");  // From the contact's neglect concern.
  EXPECT_EQ(Text(xml, "AssessmentAuthorisationDate"), "2026-06-20");
  EXPECT_EQ(Text(xml, "AssessmentFactors"), "21");
  EXPECT_EQ(Text(xml, "CINclosureDate"), "2026-06-22");
  EXPECT_EQ(Text(xml, "ReasonForClosure"), "RC8");
  EXPECT_EQ(Text(xml, "ReferralNFA"), "0");
  EXPECT_EQ(Text(xml, "UPN"), "A950000178301");
  EXPECT_EQ(Text(xml, "Sex"), "F");
  EXPECT_EQ(f.children, 1);
  EXPECT_EQ(f.closure_reasons_derived, 1);
  // A reason the council recorded is used as it is.
  events.back() =
      Ev("x", "2026-06-22", R"("referral_id":"r1")",
         R"("case_closed":{"reason":"CLOSURE_REASON_OTHER","cin_closure_reason":"RC3"})");
  EXPECT_EQ(Text(Census(events), "ReasonForClosure"), "RC3");
}

TEST(CinCensus, TheYearEndsOnItsLastDayAndEpisodesClosedBeforeItAreLeftOut) {
  auto events = Referred("2027-02-01");
  events.push_back(Ev("x", "2027-04-02", R"("referral_id":"r1")",
                      R"("case_closed":{"reason":"CLOSURE_REASON_OUTCOMES_ACHIEVED"})"));
  std::string xml = Census(events);
  EXPECT_EQ(Count(xml, "CINdetails"), 1);
  EXPECT_EQ(Text(xml, "CINclosureDate"), "");  // Closed after 31 March: open in this return.
  // Referred and closed in the year before: not in this return at all.
  auto before = Referred("2025-06-01");
  before.push_back(Ev("x", "2025-07-01", R"("referral_id":"r1")",
                      R"("case_closed":{"reason":"CLOSURE_REASON_OUTCOMES_ACHIEVED"})"));
  EXPECT_EQ(Count(Census(before), "Child"), 0);
}

TEST(CinCensus, AChildProtectionPlanEndsTheChildInNeedPlan) {
  auto events = Referred("2026-05-01");
  events.push_back(
      Ev("p1", "2026-06-01", R"("referral_id":"r1","plan_id":"p1")",
         R"("plan_started":{"type":"PLAN_TYPE_CHILD_IN_NEED","primary_need_code":"N4"})"));
  events.push_back(Ev(
      "p2", "2026-09-01", R"("referral_id":"r1","plan_id":"p2")",
      R"("plan_started":{"type":"PLAN_TYPE_CHILD_PROTECTION","category":"ABUSE_CATEGORY_NEGLECT"})"));
  events.push_back(
      Ev("p3", "2026-10-01", R"("referral_id":"r1","plan_id":"p3")",
         R"("plan_started":{"type":"PLAN_TYPE_CHILD_IN_NEED","primary_need_code":"N4"})"));
  CinCensusFigures f;
  std::string xml = Census(events, &f);
  EXPECT_EQ(Text(xml, "CINPlanStartDate"), "2026-06-01");
  EXPECT_EQ(Text(xml, "CINPlanEndDate"), "2026-09-01");
  EXPECT_EQ(Text(xml, "CPPstartDate"), "2026-09-01");
  EXPECT_EQ(Text(xml, "InitialCategoryOfAbuse"), "NEG");
  EXPECT_EQ(Text(xml, "PrimaryNeedCode"), "N4");
  EXPECT_EQ(Count(xml, "CINPlanDates"), 1);  // The CIN plan inside the CP plan is left out.
  EXPECT_EQ(f.cin_plans_ended_by_cp, 1);
  EXPECT_EQ(f.cin_plans_inside_cp_left_out, 1);
}

TEST(CinCensus, AFrontDoorClosureDoesNotCloseAnEpisodeNorDoesOneWithWorkUnderWay) {
  auto events = Referred("2026-05-01");
  events.push_back(Ev("as", "2026-05-02", R"("referral_id":"r1","assessment_id":"a1")",
                      R"("assessment_started":{"type":"ASSESSMENT_TYPE_S17_CHILD_AND_FAMILY"})"));
  // Another contact, closed with no further action at the front door.
  events.push_back(Ev(
      "c2", "2026-05-10", R"("contact_id":"k2")",
      R"("contact_received":{"source":"AGENCY_POLICE","concerns":["CONCERN_CATEGORY_OTHER"],"summary":"y"})"));
  events.push_back(
      Ev("d2", "2026-05-10", R"("contact_id":"k2")",
         R"("contact_decided":{"decision":"CONTACT_DECISION_NO_FURTHER_ACTION","rationale":"y"})"));
  events.push_back(Ev("x2", "2026-05-11", R"("contact_id":"k2")",
                      R"("case_closed":{"reason":"CLOSURE_REASON_NO_FURTHER_ACTION"})"));
  // And a closure of the referral while its assessment is still under way.
  events.push_back(Ev("x1", "2026-05-12", R"("referral_id":"r1")",
                      R"("case_closed":{"reason":"CLOSURE_REASON_NO_FURTHER_ACTION"})"));
  CinCensusFigures f;
  std::string xml = Census(events, &f);
  EXPECT_EQ(Text(xml, "CINclosureDate"), "");
  EXPECT_EQ(f.closures_with_work_open_left_out, 1);
  EXPECT_EQ(Count(xml, "CINdetails"), 1);
}

TEST(CinCensus, ASecondReferralWhileOpenJoinsTheEpisodeAndWorkAfterAClosureReopensIt) {
  auto events = Referred("2026-05-01");
  events.push_back(Ev("x1", "2026-05-03", R"("referral_id":"r1")",
                      R"("case_closed":{"reason":"CLOSURE_REASON_OUTCOMES_ACHIEVED"})"));
  events.push_back(Ev("as", "2026-05-04", R"("referral_id":"r1","assessment_id":"a1")",
                      R"("assessment_started":{"type":"ASSESSMENT_TYPE_S17_CHILD_AND_FAMILY"})"));
  events.push_back(
      Ev("r2", "2026-05-05", R"("contact_id":"k1","referral_id":"r2")",
         R"("contact_decided":{"decision":"CONTACT_DECISION_S47_STRATEGY","rationale":"x"})"));
  CinCensusFigures f;
  std::string xml = Census(events, &f);
  EXPECT_EQ(Count(xml, "CINdetails"), 1);
  EXPECT_EQ(Text(xml, "CINclosureDate"), "");
  EXPECT_EQ(f.closures_undone_by_later_work, 1);
}

TEST(CinCensus, ASimulatedYearGivesEveryReferredChildOneOpenEpisodeAtMost) {
  SimulationParams p = County(21, std::chrono::year(2026) / 1 / 1, 450, 6);
  CinCensusFigures f;
  std::string xml = Census(Simulate(p), &f);
  EXPECT_GT(f.children, 100);
  EXPECT_GE(f.episodes, f.children);
  EXPECT_GT(f.assessments, 0);
  EXPECT_GT(f.cp_plans, 0);
  // Per child, at most one episode without a closure date (rule 8815).
  std::size_t at = 0;
  while ((at = xml.find("<Child>", at)) != std::string::npos) {
    std::size_t end = xml.find("</Child>", at);
    std::string child = xml.substr(at, end - at);
    EXPECT_LE(Count(child, "CINdetails") - Count(child, "CINclosureDate"), 1) << child;
    at = end;
  }
}

// The return's <Child> elements, sorted; the header before them (DateTime and all) first.
std::vector<std::string> SortedChildren(const std::string& xml) {
  std::vector<std::string> out;
  std::size_t at = xml.find("<Child>");
  out.push_back(xml.substr(0, at));
  while (at != std::string::npos) {
    std::size_t end = xml.find("</Child>", at);
    out.push_back(xml.substr(at, end - at));
    at = xml.find("<Child>", end);
  }
  std::sort(out.begin() + 1, out.end());
  return out;
}

StatusOr<std::vector<v1::Envelope>> Import(const std::string& xml, CinImportFigures* f = nullptr) {
  auto message = xml::ParseXml(xml);
  if (!message.ok()) return message.status();
  return CinCensusEvents(message.value(), {.source = "cin-census 2027 LA 886", .actor_id = "hos1"},
                         f);
}

TEST(CinCensusImport, AnImportedReturnExportsAsTheSameReturnAndImportsTheSameTwice) {
  SimulationParams p = County(21, std::chrono::year(2025) / 10 / 1, 547, 4);
  std::string a = Census(Simulate(p));
  CinImportFigures f;
  auto events = Import(a, &f);
  ASSERT_TRUE(events.ok()) << events.status().message();
  EXPECT_GT(f.children, 100);
  EXPECT_EQ(f.approximations, 0) << "Sightline's own return holds nothing approximately";
  for (const v1::Envelope& e : events.value()) {
    EXPECT_TRUE(e.has_imported()) << e.event_id();
    EXPECT_EQ(e.actor().user_id(), "hos1");
    // Every event passes the gateway's validation (at a "now" after the year).
    auto errors =
        ValidateEvent(e, LocalMidnight(p.start_day + std::chrono::days(600)), ValidationLimits{});
    EXPECT_TRUE(errors.empty()) << e.event_id() << ": " << errors.front().ToString();
  }
  // The same return, after sorting: children come out in Sightline id order, and an imported
  // child's id is its LAchildID.
  std::vector<std::string> before = SortedChildren(a),
                           after = SortedChildren(Census(events.value()));
  ASSERT_EQ(before.size(), after.size());
  for (std::size_t i = 0; i < before.size(); ++i) ASSERT_EQ(before[i], after[i]) << i;
  auto again = Import(a);
  ASSERT_TRUE(again.ok());
  ASSERT_EQ(again.value().size(), events.value().size());
  for (std::size_t i = 0; i < again.value().size(); ++i)
    EXPECT_EQ(again.value()[i].SerializeAsString(), events.value()[i].SerializeAsString());
}

TEST(CinCensusImport, AMalformedReturnIsRefusedNamingTheChildAndTheElement) {
  SimulationParams p = County(3, std::chrono::year(2026) / 3 / 1, 120, 3);
  std::string good = Census(Simulate(p));
  auto with = [&](const std::string& from, const std::string& to) {
    std::string bad = good;
    auto at = bad.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    bad.replace(at, from.size(), to);
    auto r = Import(bad);
    EXPECT_FALSE(r.ok());
    return r.ok() ? std::string() : r.status().message();
  };
  std::string referral = "<CINreferralDate>" + Text(good, "CINreferralDate");
  EXPECT_EQ(with(referral, "<CINreferralDate>2026-02-30"),
            "child 1 (LAchildID " + Text(good, "LAchildID") +
                "): <CINreferralDate> not a date (YYYY-MM-DD): '2026-02-30'");
  // Found by the fuzzer: a date past 2262 overflowed the nanosecond clock.
  EXPECT_NE(with(referral, "<CINreferralDate>2703-05-01").find("between 1900 and 2199"),
            std::string::npos);
  EXPECT_NE(with("<LAchildID>", "<LAchildID>bad id/").find("<LAchildID>"), std::string::npos);
  EXPECT_NE(with("<PrimaryNeedCode>", "<PrimaryNeedCode>X").find("<PrimaryNeedCode>"),
            std::string::npos);
  EXPECT_NE(with("<Collection>CIN", "<Collection>SEN").find("Collection"), std::string::npos);
}

TEST(CinCensusImport, HostileXmlIsRefusedBeforeAnyEventIsMade) {
  // No DTD, so no entity expansion (the billion laughs) and no external entity.
  auto laughs = xml::ParseXml(
      "<?xml version=\"1.0\"?><!DOCTYPE m [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b "
      "\"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">]><Message>&b;</Message>");
  ASSERT_FALSE(laughs.ok());
  EXPECT_NE(laughs.status().message().find("DOCTYPE"), std::string::npos)
      << laughs.status().message();
  auto external = xml::ParseXml("<!DOCTYPE m SYSTEM \"file:///etc/passwd\"><Message></Message>");
  EXPECT_FALSE(external.ok());
  std::string deep;
  for (int i = 0; i < 100; ++i) deep += "<a>";
  auto too_deep = xml::ParseXml(deep);
  ASSERT_FALSE(too_deep.ok());
  EXPECT_NE(too_deep.status().message().find("deeper than 32"), std::string::npos);
  EXPECT_FALSE(xml::ParseXml("<Message a=\"1\"></Message>").ok());
  auto truncated = xml::ParseXml("<Message><Header>");
  ASSERT_FALSE(truncated.ok());
  EXPECT_NE(truncated.status().message().find("line 1"), std::string::npos);
  EXPECT_FALSE(xml::ParseXml("<Message>x</Message>", {.max_bytes = 5}).ok());
  EXPECT_FALSE(Import("<Other></Other>").ok());
}

TEST(AnnexA, AReferredAndAssessedChildIsOnEachListItsWorkBelongsTo) {
  auto events = Referred("2026-05-04");
  events.push_back(Ev("as", "2026-05-05", R"("referral_id":"r1","assessment_id":"a1")",
                      R"("assessment_started":{"type":"ASSESSMENT_TYPE_S17_CHILD_AND_FAMILY"})"));
  events.push_back(Ev("ac", "2026-05-20", R"("assessment_id":"a1")",
                      R"("assessment_completed":{"type":"ASSESSMENT_TYPE_S17_CHILD_AND_FAMILY",)"
                      R"("child_seen":"SEEN_STATUS_SEEN_ALONE","factors":["21"],)"
                      R"("outcome":"ASSESSMENT_OUTCOME_CHILD_IN_NEED_PLAN"})"));
  events.push_back(Ev("al", "2026-05-06", R"("referral_id":"r1")",
                      R"("case_allocated":{"team_id":"team-2","worker_id":"sw7"})"));
  events.push_back(
      Ev("p", "2026-05-21", R"("referral_id":"r1","plan_id":"p1")",
         R"("plan_started":{"type":"PLAN_TYPE_CHILD_IN_NEED","primary_need_code":"N4"})"));
  std::vector<std::string> named;
  auto lists =
      AnnexA(events, {.from = *ParseDay("2026-04-01"), .to = *ParseDay("2026-09-30")}, &named);
  ASSERT_EQ(lists.size(), 11u);
  EXPECT_EQ(named, std::vector<std::string>{"c1"});
  using Row = std::vector<std::string>;
  const Row who = {"c1", "b) Female", "a) WBRI", "01/05/2016", "10"};
  auto with = [&](Row more) {
    Row r = who;
    r.insert(r.end(), more.begin(), more.end());
    return std::vector<Row>{r};
  };
  EXPECT_EQ(lists[0].rows, with({"04/05/2026", "e) 2A: Schools"}));
  EXPECT_EQ(lists[2].rows, with({"04/05/2026", "e) 2A: Schools", "b) No", "1", "team-2", "sw7"}));
  EXPECT_EQ(lists[3].rows,
            with({"b) No", "05/05/2026", "a) Yes", "20/05/2026", "a) Yes", "team-2", "sw7"}));
  EXPECT_EQ(lists[5].rows, with({"b) No", "04/05/2026", "N4 - Family in acute stress", "", "", "",
                                 "c) Child in need plan", "team-2", "sw7"}));
  for (std::size_t i : {1u, 4u, 6u, 7u, 8u, 9u, 10u}) EXPECT_TRUE(lists[i].rows.empty()) << i;
  for (const AnnexAList& l : lists)
    for (const auto& r : l.rows) EXPECT_EQ(r.size(), l.headers.size()) << l.number;
  // Outside the period: nothing.
  EXPECT_TRUE(AnnexA(events, {.from = *ParseDay("2026-10-01"), .to = *ParseDay("2026-12-31")})[0]
                  .rows.empty());
}

TEST(AnnexA, CsvQuotesWhatItMustAndNeverStartsACellWithAFormula) {
  AnnexAList l{.number = 1,
               .title = "t",
               .headers = {"a", "b"},
               .rows = {{"x,y", "say \"hi\""}, {"=HYPERLINK(1)", "-2"}, {"\t=1+1", "@SUM(A1)"}}};
  EXPECT_EQ(AnnexACsv(l),
            "a,b\r\n\"x,y\",\"say \"\"hi\"\"\"\r\n'=HYPERLINK(1),'-2\r\n'\t=1+1,'@SUM(A1)\r\n");
}

}  // namespace
}  // namespace sightline::domain::returns
