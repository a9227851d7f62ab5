// The triage API's views for leaders, against the same fixture as projector_api_test.cc: the line
// of sight (figures that add up, breaches and acknowledgement times, decisions in time), quality
// assurance, and the alerts panel with acknowledgement through the gateway.
#include <condition_variable>
#include <future>
#include <mutex>
#include <stdexcept>

#include "projector_api_fixture.h"
#include "records.h"

namespace sightline::projector::api_test {
namespace {

void ExpectFiguresAddUp(const json& body, const std::string& who) {
  auto sum = [](const json& object, const std::string& key = "") {
    int n = 0;
    for (const auto& [k, v] : object.items()) {
      if (key.empty()) {
        n += v.get<int>();
      } else if (v.contains(key)) {
        n += v[key].get<int>();
      }
    }
    return n;
  };
  const json& a = body["awaiting_decision"];
  EXPECT_EQ(sum(body["by_stage"]), body["children"].get<int>()) << who << ": stages";
  EXPECT_EQ(a["count"].get<int>(), a["in_stage"].get<int>() + a["on_open_cases"].get<int>())
      << who << ": new contacts and those on open cases";
  EXPECT_EQ(a["in_stage"].get<int>(), body["by_stage"].value("awaiting decision", 0))
      << who << ": the box and the stage";
  EXPECT_EQ(sum(a["working_days_waited"]), a["count"].get<int>()) << who << ": waits";
  EXPECT_EQ(sum(body["by_team"], "awaiting_decision"), a["count"].get<int>()) << who << ": teams";
  EXPECT_EQ(sum(body["by_team"], "decision_overdue"), a["overdue"].get<int>()) << who;
  EXPECT_LE(a["overdue"].get<int>(), a["count"].get<int>()) << who;
  int caseload = 0;
  for (const json& w : body["caseload_by_worker"]) caseload += w["open_cases"].get<int>();
  EXPECT_LE(caseload, sum(body["by_team"], "open_cases")) << who << ": allocated workers";
  EXPECT_LE(body["hidden"]["awaiting_decision"].get<int>(), body["hidden"]["children"].get<int>());
}

TEST_F(ApiTest, LineOfSightCountsWhatTheReaderMayReadAndOnlyHowManyAreHidden) {
  EXPECT_EQ(api_->LineOfSight(Req("p1")).status, 403);
  auto figures = [&](const std::string& user) {
    http::Response r = api_->LineOfSight(Req(user));
    EXPECT_EQ(r.status, 200) << r.body;
    json body = json::parse(r.body);
    ExpectFiguresAddUp(body, user);
    EXPECT_EQ(body["children"].get<int>() + body["hidden"]["children"].get<int>(), 5) << user;
    return body;
  };
  // The head of service reads every record, the restricted ones included.
  json hos = figures("hos1");
  EXPECT_EQ(hos["children"], 5);
  EXPECT_EQ(hos["awaiting_decision"]["count"], 2);
  EXPECT_EQ(hos["awaiting_decision"]["overdue"], 2);
  EXPECT_EQ(hos["hidden"]["children"], 0);
  // A service manager reads every unrestricted one: the restricted child-r waits, and is
  // counted only as a hidden child that waits, late; child-s as a hidden child.
  json sm = figures("sm1");
  EXPECT_EQ(sm["children"], 3);
  EXPECT_EQ(sm["awaiting_decision"]["count"], 1);
  EXPECT_EQ(sm["awaiting_decision"]["oldest"]["child_id"], "child-q");
  EXPECT_EQ(sm["hidden"]["children"], 2);
  EXPECT_EQ(sm["hidden"]["awaiting_decision"], 1);
  EXPECT_EQ(sm["hidden"]["decision_overdue"], 1);
  EXPECT_EQ(sm["by_team"]["team-2"]["open_cases"], 1) << "child-s is not in team-2's figure";
  EXPECT_EQ(sm.dump().find("child-r"), std::string::npos);
  // A team manager sees their team's children; the rest is one number.
  json tm2 = figures("tm2");
  EXPECT_EQ(tm2["children"], 1);
  EXPECT_EQ(tm2["by_team"].size(), 1u);
  EXPECT_EQ(tm2["hidden"]["children"], 4);
}

TEST_F(ApiTest, LineOfSightFiguresAddUpOverASimulatedCountyMonth) {
  // A month of a county's front door and casework, as the demo simulates it: new contacts about
  // children with open cases happen, so the box and the stage differ and must be told apart.
  domain::SimulationParams params;
  params.seed = 14;
  params.days = 30;
  params.contacts_per_day = 80;
  ASSERT_FALSE(LoadSimulatedCounty(params).empty());
  json hos = json::parse(api_->LineOfSight(Req("hos1")).body);
  ExpectFiguresAddUp(hos, "hos1");
  EXPECT_GT(hos["children"].get<int>(), 1000);
  EXPECT_GT(hos["awaiting_decision"]["in_stage"].get<int>(), 0);
  EXPECT_GT(hos["awaiting_decision"]["on_open_cases"].get<int>(), 0)
      << "the simulated month should have new contacts about open cases";
  // The whole month lies inside the 12 weeks: the weeks hold every referral of the year's figure.
  int weekly = 0;
  for (const json& n : hos["weekly"]["referrals"]) weekly += n.get<int>();
  EXPECT_EQ(weekly, hos["referrals_12m"]["count"].get<int>());
  const json& leavers = hos["care_leavers"];
  EXPECT_EQ(leavers["count"], params.care_leavers);
  EXPECT_GT(leavers["unsuitable_accommodation"].get<int>(), 0);
  EXPECT_LE(leavers["unsuitable_accommodation"].get<int>() +
                leavers["accommodation_not_known"].get<int>(),
            leavers["count"].get<int>());
  for (std::string who : {"sm1", "tm1", "tm2"}) {
    json body = json::parse(api_->LineOfSight(Req(who)).body);
    ExpectFiguresAddUp(body, who);
    EXPECT_EQ(body["children"].get<int>() + body["hidden"]["children"].get<int>(),
              hos["children"].get<int>())
        << who;
  }
}

// One step of a clock's alert, as the watchdog writes it to sightline.alerts.v1.
::sightline::alerts::v1::AlertEvent AlertStep(const std::string& child, const std::string& team,
                                              ::sightline::alerts::v1::Step step, int level,
                                              int hour) {
  ::sightline::alerts::v1::AlertEvent e;
  std::string clock = "contact-decision/" + child + "/ev-c-" + child;
  e.set_clock_id(clock);
  e.set_alert_id(clock + "/L" + std::to_string(level));
  e.set_event_id(e.alert_id() + "/" + ::sightline::alerts::v1::Step_Name(step));
  e.set_step(step);
  e.set_child_id(child);
  e.set_rule_id("contact-decision");
  e.set_rule_title("Contact decision within 1 working day of receipt");
  e.set_anchor_event_id("ev-c-" + child);
  e.set_team_id(team);
  e.set_level(level);
  e.set_level_role(level == 1 ? "team_manager" : "service_manager");
  e.add_paged_roles(e.level_role());
  e.set_levels(3);
  Instant day = Instant(std::chrono::sys_days{std::chrono::November / 24 / 2026});
  *e.mutable_due_at() = ToTimestamp(day);
  *e.mutable_at() = ToTimestamp(day + std::chrono::hours(hour));
  return e;
}

// An alert board store holding `steps` (as the alert board's consumer would write them) and
// whether the batch had `dead` dead letters.
std::unique_ptr<storage::Store> FillBoard(
    const std::vector<::sightline::alerts::v1::AlertEvent>& steps, const std::string& junk,
    std::size_t& dead) {
  auto board = OpenAlertBoard(sightline::testing::TempDir("alert-board"), false);
  if (!board.ok()) return nullptr;
  std::vector<kafka::Record> records;
  for (std::size_t i = 0; i < steps.size(); ++i) {
    kafka::Record& r = records.emplace_back();
    r.offset = static_cast<std::int64_t>(i);
    r.key = steps[i].child_id();
    steps[i].SerializeToString(&r.value);
  }
  if (!junk.empty()) records.emplace_back().value = junk;
  AlertBoardHandler handler(*board.value(), nullptr);
  auto batch = handler.Prepare(records);
  if (!batch.ok() || !board.value()->Write(batch.value().writes).ok()) return nullptr;
  dead = batch.value().dead.size();
  return std::move(board).value();
}

TEST_F(ApiTest, LineOfSightCountsBreachesAndAcknowledgementTimesOverTwelveWeeks) {
  namespace av = ::sightline::alerts::v1;
  av::AlertEvent ack = AlertStep("child-q", "mash", av::STEP_ACKNOWLEDGED, 1, 11);
  ack.set_acknowledged_by("tm-mash");
  std::size_t dead = 0;
  auto board = FillBoard({AlertStep("child-q", "mash", av::STEP_RAISED, 1, 9), ack,
                          AlertStep("child-r", "mash", av::STEP_RAISED, 1, 10),
                          AlertStep("child-o", "team-2", av::STEP_RAISED, 1, 8)},
                         "", dead);
  ASSERT_NE(board, nullptr);
  std::unique_ptr<TriageApi> with_board = MakeApi(StreamLimits{}, board.get());
  TriageApi& api = *with_board;
  auto sum = [](const json& a) {
    int n = 0;
    for (const json& v : a) n += v.get<int>();
    return n;
  };
  json hos = json::parse(api.LineOfSight(Req("hos1")).body);
  ExpectFiguresAddUp(hos, "hos1");
  const json& w = hos["weekly"];
  ASSERT_EQ(w["week_starting"].size(), 12u);
  EXPECT_EQ(w["week_starting"].back(), "2026-11-23");  // The clock says Tuesday 24 November.
  EXPECT_EQ(w["alerts_raised"].back(), 3);
  EXPECT_EQ(sum(w["alerts_raised"]), 3);
  EXPECT_EQ(w["alerts_acknowledged"].back(), 1);
  EXPECT_EQ(w["median_minutes_to_acknowledge"].back(), 120.0);  // Raised 09:00, acknowledged 11:00.
  EXPECT_TRUE(w["median_minutes_to_acknowledge"][0].is_null());
  EXPECT_EQ(hos["acknowledgements_by_user"][0]["user_id"], "tm-mash");
  EXPECT_EQ(hos["alerts_raised_12w_by_team"]["mash"], 2);
  EXPECT_EQ(hos["alerts_raised_12w_by_team"]["team-2"], 1);
  // The restricted child's breach is not the service manager's to count.
  json sm = json::parse(api.LineOfSight(Req("sm1")).body);
  EXPECT_EQ(sum(sm["weekly"]["alerts_raised"]), 2);
  EXPECT_EQ(sm["alerts_raised_12w_by_team"]["mash"], 1);
}

TEST_F(ApiTest, QualityAssuranceShowsAuditsAndCoverageAndTheLineOfSightDecisionsInTime) {
  auto at = [](int month, int day, int hour) {
    return ToTimestamp(Instant(std::chrono::sys_days{std::chrono::month(month) / day / 2026}) +
                       std::chrono::hours(hour));
  };
  std::vector<v1::Envelope> events;
  // child-q's contact (Friday 20 November) decided on Tuesday 24 November: a working day late.
  v1::Envelope late = Base("ev-late", "child-q", "h1");
  late.mutable_refs()->set_contact_id("k-child-q");
  late.mutable_contact_decided()->set_decision(v1::CONTACT_DECISION_EARLY_HELP);
  *late.mutable_occurred_at() = at(11, 24, 11);
  *late.mutable_recorded_at() = late.occurred_at();
  events.push_back(late);
  auto audit = [&](const std::string& id, const std::string& child, const std::string& hh,
                   const google::protobuf::Timestamp& when, v1::ServiceArea area,
                   v1::AuditGrade grade, const std::string& team,
                   const std::vector<v1::AuditTheme>& themes) {
    v1::Envelope e = Base(id, child, hh);
    e.mutable_actor()->set_user_id("aud1");
    e.mutable_refs()->set_audit_id("a-" + id);
    *e.mutable_occurred_at() = when;
    *e.mutable_recorded_at() = when;
    auto* q = e.mutable_qa_audit_completed();
    q->set_area(area);
    q->set_grade(grade);
    q->set_team_id(team);
    for (v1::AuditTheme t : themes) q->add_themes(t);
    events.push_back(e);
  };
  // child-a's audit names no team: the child's allocation (team-1) is the audited team.
  audit("ev-qa1", "child-a", "h1", at(11, 23, 14), v1::SERVICE_AREA_CHILD_IN_NEED,
        v1::AUDIT_GRADE_REQUIRES_IMPROVEMENT, "",
        {v1::AUDIT_THEME_VOICE_OF_THE_CHILD, v1::AUDIT_THEME_PLANNING});
  audit("ev-qa2", "child-o", "h3", at(10, 1, 10), v1::SERVICE_AREA_FRONT_DOOR, v1::AUDIT_GRADE_GOOD,
        "team-2", {v1::AUDIT_THEME_PLANNING});
  std::vector<kafka::Record> records;
  for (std::size_t i = 0; i < events.size(); ++i) {
    kafka::Record& r = records.emplace_back();
    r.offset = static_cast<std::int64_t>(100 + i);
    r.key = events[i].child_id();
    events[i].SerializeToString(&r.value);
  }
  auto plan = applier_->Prepare(records, clock_.Now());
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  ASSERT_TRUE(plan.value().dead.empty()) << plan.value().dead[0].detail;
  ASSERT_TRUE(store_->Write(plan.value().writes).ok());

  json qa = json::parse(api_->QualityAssurance(Req("aud1")).body);
  ASSERT_EQ(qa["audits"].size(), 2u) << qa.dump();
  EXPECT_EQ(qa["audits"][0]["child_id"], "child-a");  // Newest first.
  EXPECT_EQ(qa["audits"][0]["team_id"], "team-1");
  EXPECT_EQ(qa["audits"][0]["grade"], "AUDIT_GRADE_REQUIRES_IMPROVEMENT");
  EXPECT_EQ(qa["audits"][0]["themes"].size(), 2u);
  EXPECT_EQ(qa["by_theme_12m"]["planning"], 2);
  EXPECT_EQ(qa["by_grade_12m"]["good"], 1);
  std::map<std::string, json> areas, teams;
  for (const json& a : qa["coverage"]["areas"]) areas[a["area"]] = a;
  for (const json& t : qa["coverage"]["teams"]) teams[t["team_id"]] = t;
  EXPECT_FALSE(areas["child_in_need"]["older_than_3_months"]);
  EXPECT_FALSE(areas["front_door"]["older_than_3_months"]);   // 1 October: until 1 January.
  EXPECT_TRUE(areas["care_leavers"]["older_than_3_months"]);  // Never audited.
  EXPECT_TRUE(areas["care_leavers"]["last_audit"].is_null());
  EXPECT_EQ(teams["team-1"]["audits_this_month"], 1);
  EXPECT_EQ(teams["team-2"]["audits_this_month"], 0);
  EXPECT_EQ(teams["team-2"]["audits_last_month"], 1);  // October: the last calendar month.
  // A team manager sees their own team's audits; the other team's is one number.
  json tm = json::parse(api_->QualityAssurance(Req("tm1")).body);
  EXPECT_EQ(tm["audits"].size(), 1u);
  EXPECT_EQ(tm["hidden_audits"], 1);
  EXPECT_EQ(api_->QualityAssurance(Req("sw1")).status, 403);

  json hos = json::parse(api_->LineOfSight(Req("hos1")).body);
  ExpectFiguresAddUp(hos, "hos1");
  const json& w = hos["weekly"];
  EXPECT_EQ(w["decisions"][10], 3);  // Week of 16 November: three decided as they arrived.
  EXPECT_EQ(w["decisions_in_time_pct"][10], 100.0);
  EXPECT_EQ(w["decisions"][11], 1);  // This week: child-q's, a day late.
  EXPECT_EQ(w["decisions_in_time"][11], 0);
  EXPECT_EQ(w["decisions_in_time_pct"][11], 0.0);
  EXPECT_TRUE(w["decisions_in_time_pct"][0].is_null());
  EXPECT_EQ(w["qa_audits"][11], 1);
  EXPECT_EQ(w["qa_teams_audited"][11], 1);
  EXPECT_EQ(hos["qa_coverage"]["areas"].size(), 7u);
}

TEST_F(ApiTest, AlertsPanelShowsOpenAlertsOldestFirstAndAcknowledgesThroughTheGateway) {
  namespace av = ::sightline::alerts::v1;
  std::vector<av::AlertEvent> steps = {
      AlertStep("child-q", "mash", av::STEP_RAISED, 1, 9),
      AlertStep("child-q", "mash", av::STEP_ESCALATED, 2, 10),
      AlertStep("child-q", "mash", av::STEP_ESCALATED, 2, 10),  // Delivered twice.
      AlertStep("child-r", "mash", av::STEP_RAISED, 1, 9),      // Restricted.
      AlertStep("child-o", "team-2", av::STEP_RAISED, 1, 11),
      AlertStep("child-o", "team-2", av::STEP_RESOLVED, 1, 12),
  };
  *steps[4].mutable_due_at() =
      ToTimestamp(Instant(std::chrono::sys_days{std::chrono::November / 20 / 2026}));
  *steps[5].mutable_due_at() = steps[4].due_at();
  std::size_t dead = 0;
  auto board = FillBoard(steps, "not an alert", dead);
  ASSERT_NE(board, nullptr);
  EXPECT_EQ(dead, 1u);
  std::vector<std::string> written;
  int gateway_status = 202;
  std::string authorization;
  std::unique_ptr<TriageApi> with_board =
      MakeApi(StreamLimits{}, board.get(), [&](const std::string& auth, const std::string& event) {
        authorization = auth;
        written.push_back(event);
        return StatusOr<http::ClientResponse>(
            http::ClientResponse{.status = gateway_status,
                                 .body = R"({"error":"refused by the gateway"})",
                                 .content_type = "application/json",
                                 .headers = {}});
      });
  TriageApi& api = *with_board;
  // The head of service sees the open alerts, restricted ones included; the resolved one not.
  http::Response r = api.Alerts(Req("hos1"));
  ASSERT_EQ(r.status, 200) << r.body;
  json hos = json::parse(r.body);
  ASSERT_EQ(hos["alerts"].size(), 2u);
  EXPECT_EQ(hos["alerts"][0]["alert_id"], "contact-decision/child-q/ev-c-child-q/L2");
  EXPECT_EQ(hos["alerts"][0]["state"], "open");
  EXPECT_EQ(hos["alerts"][0]["level_role"], "service_manager");
  EXPECT_EQ(hos["alerts"][0]["child_name"], "Amelia Smith");
  EXPECT_EQ(hos["by_rule_level"]["contact-decision"]["L2"], 1);
  // A service manager may not read the restricted child: one number, no id, no name.
  json sm = json::parse(api.Alerts(Req("sm1")).body);
  EXPECT_EQ(sm["alerts"].size(), 1u);
  EXPECT_EQ(sm["hidden"], 1);
  EXPECT_EQ(sm.dump().find("child-r"), std::string::npos);
  EXPECT_EQ(api.Alerts(Req("sm1", {{"level", "x"}})).status, 400);
  EXPECT_EQ(json::parse(api.Alerts(Req("sm1", {{"team", "team-2"}})).body)["alerts"].size(), 0u);
  // The child's page shows why, who, and the history, each step once.
  json child = json::parse(api.Child(Req("hos1", {}, {{"id", "child-q"}})).body);
  ASSERT_EQ(child["alerts"].size(), 1u);
  EXPECT_EQ(child["alerts"][0]["anchor_event_id"], "ev-c-child-q");
  EXPECT_EQ(child["alerts"][0]["history"].size(), 2u);
  // Acknowledging: the event goes to the gateway as the caller, with their token passed on.
  auto ack = [&](const std::string& who, const std::string& body) {
    http::Request q = Req(who);
    q.method = "POST";
    q.body = body;
    return http::Settle(api.Acknowledge(q));
  };
  r = ack("sm1",
          R"({"alert_id":"contact-decision/child-q/ev-c-child-q/L2","note":"Calling school"})");
  EXPECT_EQ(r.status, 202) << r.body;
  ASSERT_EQ(written.size(), 1u);
  EXPECT_EQ(authorization, "Bearer " + TokenOf("sm1"));
  auto event = domain::ParseEventJson(written[0]);
  ASSERT_TRUE(event.ok());
  EXPECT_EQ(event.value().actor().user_id(), "sm1");
  EXPECT_EQ(event.value().actor().role(), v1::ROLE_SERVICE_MANAGER);
  EXPECT_EQ(event.value().child_id(), "child-q");
  EXPECT_EQ(event.value().alert_acknowledged().note(), "Calling school");
  EXPECT_TRUE(domain::ValidateEvent(event.value(), clock_.Now(), {}).empty());
  // An old level, a resolved alert, a child one may not read, a bad body: refused here.
  EXPECT_EQ(ack("sm1", R"({"alert_id":"contact-decision/child-q/ev-c-child-q/L1"})").status, 409);
  EXPECT_EQ(ack("hos1", R"({"alert_id":"contact-decision/child-o/ev-c-child-o/L1"})").status, 409);
  EXPECT_EQ(ack("sm1", R"({"alert_id":"contact-decision/child-r/ev-c-child-r/L1"})").status, 403);
  EXPECT_EQ(ack("sm1", R"({"alert_id":"nope/L1"})").status, 404);
  EXPECT_EQ(ack("sm1", R"({"note":"x"})").status, 400);
  EXPECT_EQ(ack("sm1", "[1]").status, 400);
  // A key given twice (a log reading the first, we the last) or unknown (a note misspelt, which
  // would be lost) is refused, naming it.
  for (auto [body, field] : std::vector<std::pair<std::string, std::string>>{
           {R"({"alert_id":"contact-decision/child-o/ev-c-child-o/L1",)"
            R"("alert_id":"contact-decision/child-q/ev-c-child-q/L2"})",
            "alert_id"},
           {R"({"alert_id":"contact-decision/child-q/ev-c-child-q/L2","notes":"Calling school"})",
            "notes"},
       }) {
    http::Response refused = ack("sm1", body);
    EXPECT_EQ(refused.status, 400) << body;
    EXPECT_EQ(json::parse(refused.body)["field"], field) << refused.body;
  }
  EXPECT_EQ(written.size(), 1u);
  // The gateway's own refusal (the role the level is routed to) is passed back as it is.
  gateway_status = 403;
  r = ack("hos1", R"({"alert_id":"contact-decision/child-q/ev-c-child-q/L2"})");
  EXPECT_EQ(r.status, 403);
  EXPECT_NE(r.body.find("refused by the gateway"), std::string::npos);
}

// A stalled gateway must not take the request threads: with one request thread, a read is answered
// while two acknowledgements wait for the gateway, and a third is turned away at once.
TEST_F(ApiTest, AcknowledgementsWaitForTheGatewayOffTheRequestThreads) {
  namespace av = ::sightline::alerts::v1;
  std::size_t dead = 0;
  auto board = FillBoard({AlertStep("child-q", "mash", av::STEP_RAISED, 1, 9)}, "", dead);
  ASSERT_NE(board, nullptr);
  std::mutex mu;
  std::condition_variable changed;
  int arrived = 0;
  bool answer = false;
  ApiDeps deps = Deps();
  deps.alerts = board.get();
  deps.write_event = [&](const std::string&, const std::string&) {
    std::unique_lock lock(mu);
    ++arrived;
    changed.notify_all();
    changed.wait(lock, [&] { return answer; });
    return StatusOr<http::ClientResponse>(http::ClientResponse{
        .status = 202, .body = "{}", .content_type = "application/json", .headers = {}});
  };
  deps.write_threads = 2;
  deps.max_pending_writes = 2;
  auto api = std::make_unique<TriageApi>(std::move(deps));
  std::string base;
  auto server = Serve(*api, 1, base);
  ASSERT_NE(server, nullptr);
  auto acknowledge = [&] {
    http::ClientRequest r = RequestAs("sm1", "/v1/acknowledgements");
    r.method = "POST";
    r.body = R"({"alert_id":"contact-decision/child-q/ev-c-child-q/L1"})";
    r.content_type = "application/json";
    return http::Send(base, r);
  };
  auto first = std::async(std::launch::async, acknowledge);
  auto second = std::async(std::launch::async, acknowledge);
  {
    std::unique_lock lock(mu);
    ASSERT_TRUE(changed.wait_for(lock, std::chrono::seconds(10), [&] { return arrived == 2; }));
  }
  // Both wait for the gateway; the one request thread is free.
  auto child = http::Send(base, RequestAs("hos1", "/v1/children/child-q"));
  auto third = acknowledge();
  ASSERT_TRUE(child.ok() && third.ok());
  EXPECT_EQ(child.value().status, 200) << child.value().body;
  EXPECT_EQ(third.value().status, 503) << third.value().body;
  EXPECT_NE(third.value().body.find("too many acknowledgements"), std::string::npos);
  EXPECT_EQ(third.value().headers["retry-after"], "1");
  EXPECT_EQ(first.wait_for(std::chrono::milliseconds(0)), std::future_status::timeout)
      << "an acknowledgement was answered before the gateway answered it";
  {
    std::lock_guard lock(mu);
    answer = true;
  }
  changed.notify_all();
  for (auto* waiting : {&first, &second}) {
    auto r = waiting->get();
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r.value().status, 202) << r.value().body;
  }
  EXPECT_EQ(arrived, 2);
  server->Stop();
}

// A write that throws answers 500, and the write pool's thread goes on to the next one.
TEST_F(ApiTest, AnAcknowledgementWhoseWriteThrowsAnswers500AndTheNextIsStillWritten) {
  namespace av = ::sightline::alerts::v1;
  std::size_t dead = 0;
  auto board = FillBoard({AlertStep("child-q", "mash", av::STEP_RAISED, 1, 9)}, "", dead);
  ASSERT_NE(board, nullptr);
  int calls = 0;
  ApiDeps deps = Deps();
  deps.alerts = board.get();
  deps.write_threads = 1;
  deps.write_event = [&calls](const std::string&, const std::string&) {
    if (++calls == 1) throw std::runtime_error("the client broke");
    return StatusOr<http::ClientResponse>(http::ClientResponse{
        .status = 202, .body = "{}", .content_type = "application/json", .headers = {}});
  };
  TriageApi api(std::move(deps));
  http::Request q = Req("sm1");
  q.method = "POST";
  q.body = R"({"alert_id":"contact-decision/child-q/ev-c-child-q/L1"})";
  http::Response first = http::Settle(api.Acknowledge(q));
  EXPECT_EQ(first.status, 500) << first.body;
  http::Response second = http::Settle(api.Acknowledge(q));
  EXPECT_EQ(second.status, 202) << second.body;
  EXPECT_EQ(calls, 2);
}

}  // namespace
}  // namespace sightline::projector::api_test
