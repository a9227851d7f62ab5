// The triage API against a real RocksDB store filled by the Applier, with a recording audit sink
// and a manual clock: every endpoint's happy path, the access matrix, and bad requests.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>

#include "alert_board.h"
#include "api.h"
#include "applier.h"
#include "process.h"
#include "sightline/alerts/v1/alerts.pb.h"
#include "sightline/crypto/digest.h"
#include "sightline/domain/events/codec.h"
#include "sightline/domain/events/validation.h"
#include "sightline/simulator/simulate.h"
#include "store_layout.h"

namespace sightline::projector {
namespace {

namespace v1 = events::v1;
using nlohmann::json;

// Each test user's static token (32+ characters, as the authenticator demands).
std::string TokenOf(const std::string& user) {
  return "token-" + user + "-0123456789abcdefghijklmnopq";
}

class RecordingAudit final : public audit_log::AuditSink {
 public:
  Status Record(const audit::v1::AccessAudited& e) override {
    if (fail) return Unavailable("audit topic down");
    std::lock_guard lock(mu);
    events.push_back(e);
    return Status::Ok();
  }
  // Records written from the stream hub's thread, once one says `detail`.
  std::optional<audit::v1::AccessAudited> WaitFor(const std::string& detail) {
    for (int i = 0; i < 500; ++i) {
      {
        std::lock_guard lock(mu);
        for (const auto& e : events)
          if (e.detail().find(detail) != std::string::npos) return e;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return std::nullopt;
  }
  std::mutex mu;
  std::vector<audit::v1::AccessAudited> events;  // Read under mu while streams are open.
  std::atomic<bool> fail = false;
};

v1::Envelope Base(const std::string& id, const std::string& child, const std::string& household) {
  v1::Envelope e;
  e.set_event_id(id);
  e.set_child_id(child);
  e.set_household_id(household);
  *e.mutable_occurred_at() = ToTimestamp(
      Instant(std::chrono::sys_days{std::chrono::November / 20 / 2026}) + std::chrono::hours(10));
  *e.mutable_recorded_at() = e.occurred_at();
  e.mutable_actor()->set_user_id("p1");
  e.mutable_actor()->set_role(v1::ROLE_MASH_PRACTITIONER);
  e.mutable_actor()->set_team_id("mash");
  e.set_source_agency(v1::AGENCY_POLICE);
  return e;
}

class ApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = storage::Store::Open({.path = sightline::testing::TempDir("api-store"),
                                       .column_families = ColumnFamilies(),
                                       .sync_writes = false});
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
    for (auto [id, role, team] :
         std::vector<std::tuple<std::string, domain::UserRole, std::string>>{
             {"p1", domain::UserRole::kMashPractitioner, "mash"},
             {"sw1", domain::UserRole::kSocialWorker, "team-1"},
             {"tm1", domain::UserRole::kTeamManager, "team-1"},
             {"tm2", domain::UserRole::kTeamManager, "team-2"},
             {"sm1", domain::UserRole::kServiceManager, "svc"},
             {"hos1", domain::UserRole::kHeadOfService, "svc"},
             {"aud1", domain::UserRole::kAuditor, "qa"}}) {
      identity::StaticToken t;
      t.principal.subject = id;
      t.principal.role = role;
      t.principal.team_id = team;
      t.token_sha256 = crypto::Sha256Hex(TokenOf(id));
      auth_options_.tokens.push_back(t);
    }
    // child-q: waiting in the MASH queue; child-a: allocated to sw1 in team-1; child-r: waiting
    // and restricted; child-o: allocated in team-2. q and a share household h1.
    std::vector<v1::Envelope> events;
    auto contact = [&](const std::string& child, const std::string& hh, const std::string& n) {
      v1::Envelope e = Base("ev-c-" + child, child, hh);
      e.mutable_refs()->set_contact_id("k-" + child);
      e.mutable_contact_received()->set_source(v1::AGENCY_SCHOOL);
      e.mutable_contact_received()->add_concerns(v1::CONCERN_CATEGORY_NEGLECT);
      events.push_back(e);
      v1::Envelope d = Base("ev-d-" + child, child, hh);
      d.mutable_child_details_recorded()->set_date_of_birth("2015-04-01");
      d.mutable_child_details_recorded()->set_gender(v1::GENDER_FEMALE);
      d.mutable_child_details_recorded()->set_name(n);
      d.mutable_child_details_recorded()->set_disability(v1::DISABILITY_NONE);
      events.push_back(d);
    };
    auto allocate = [&](const std::string& child, const std::string& hh, const std::string& team,
                        const std::string& w) {
      v1::Envelope dec = Base("ev-x-" + child, child, hh);
      dec.mutable_refs()->set_contact_id("k-" + child);
      dec.mutable_refs()->set_referral_id("r-" + child);
      dec.mutable_contact_decided()->set_decision(v1::CONTACT_DECISION_S17_ASSESSMENT);
      events.push_back(dec);
      v1::Envelope a = Base("ev-a-" + child, child, hh);
      a.mutable_refs()->set_referral_id("r-" + child);
      a.mutable_case_allocated()->set_team_id(team);
      a.mutable_case_allocated()->set_worker_id(w);
      a.mutable_case_allocated()->set_manager_id(team + "-tm");
      events.push_back(a);
    };
    contact("child-q", "h1", "Amelia Smith");
    contact("child-a", "h1", "Oliver Smith");
    allocate("child-a", "h1", "team-1", "sw1");
    contact("child-r", "h2", "Grace Hill");
    v1::Envelope restrict = Base("ev-r", "child-r", "h2");
    restrict.mutable_access_restricted()->set_level(v1::RESTRICTION_STAFF_OR_RELATIVE);
    restrict.mutable_access_restricted()->set_reason("staff relative");
    restrict.mutable_access_restricted()->set_review_by("2027-02-20");
    events.push_back(restrict);
    contact("child-o", "h3", "Noah Jones");
    allocate("child-o", "h3", "team-2", "sw9");
    // child-s: child-o's sibling in h3, allocated to team-2 too, and restricted.
    contact("child-s", "h3", "Ruby Jones");
    allocate("child-s", "h3", "team-2", "sw9");
    v1::Envelope restrict_s = Base("ev-rs", "child-s", "h3");
    restrict_s.mutable_access_restricted()->set_level(v1::RESTRICTION_STAFF_OR_RELATIVE);
    restrict_s.mutable_access_restricted()->set_reason("staff relative");
    restrict_s.mutable_access_restricted()->set_review_by("2027-02-20");
    events.push_back(restrict_s);
    std::vector<kafka::Record> records;
    for (std::size_t i = 0; i < events.size(); ++i) {
      kafka::Record& r = records.emplace_back();
      r.partition = 0;
      r.offset = static_cast<std::int64_t>(i);
      r.key = events[i].child_id();
      events[i].SerializeToString(&r.value);
    }
    clock_.Set(Instant(std::chrono::sys_days{std::chrono::November / 24 / 2026}) +
               std::chrono::hours(12));
    applier_ = std::make_unique<Applier>(*store_, calendar_, policy_);
    auto plan = applier_->Prepare(records, clock_.Now());
    ASSERT_TRUE(plan.ok()) << plan.status().ToString();
    ASSERT_TRUE(plan.value().dead.empty()) << plan.value().dead[0].detail;
    ASSERT_TRUE(store_->Write(plan.value().writes).ok());
    auth_ = identity::Authenticator::Create(auth_options_, clock_).value();
    api_ = MakeApi(StreamLimits{});
  }

  std::unique_ptr<TriageApi> MakeApi(StreamLimits stream_limits,
                                     const storage::Store* alerts = nullptr,
                                     decltype(ApiDeps::write_event) write_event = {}) {
    return std::make_unique<TriageApi>(
        ApiDeps{.store = *store_,
                .calendar = calendar_,
                .access = access_,
                .auth = *auth_,
                .audit = audit_,
                .feed = feed_,
                .metrics = metrics_,
                .clock = clock_,
                .consumer_status = [] { return consumer::ShellStatus{}; },
                .stream_limits = stream_limits,
                .alerts = alerts,
                .write_event = std::move(write_event)});
  }

  http::Request Req(const std::string& user, std::multimap<std::string, std::string> query = {},
                    std::map<std::string, std::string> params = {}) {
    http::Request r;
    r.method = "GET";
    if (!user.empty()) r.headers.emplace("authorization", "Bearer " + TokenOf(user));
    r.query = std::move(query);
    r.path_params = std::move(params);
    return r;
  }
  http::Response Child(const std::string& user, const std::string& id) {
    return api_->Child(Req(user, {}, {{"id", id}}));
  }

  domain::Calendar calendar_;
  domain::ProjectionPolicy policy_;
  domain::AccessPolicy access_;
  identity::AuthOptions auth_options_;
  std::unique_ptr<identity::Authenticator> auth_;
  RecordingAudit audit_;
  ChangeFeed feed_;
  ProjectorMetrics metrics_;
  ManualClock clock_{Instant{}};
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<Applier> applier_;
  std::unique_ptr<TriageApi> api_;
};

TEST_F(ApiTest, QueueListsWaitingChildrenForTheirTeamWithRestrictedDetailsHidden) {
  http::Response r = api_->Queue(Req("p1"));
  ASSERT_EQ(r.status, 200) << r.body;
  json body = json::parse(r.body);
  ASSERT_EQ(body["total"], 2) << r.body;  // child-q and child-r wait at the MASH.
  for (const json& item : body["items"]) {
    bool restricted = item["child_id"] == "child-r";
    EXPECT_EQ(item["details_hidden"], restricted) << item;
    EXPECT_EQ(item.contains("contacts"), !restricted) << item;
    EXPECT_EQ(item.contains("name"), !restricted) << item;  // Its wait shows; its name does not.
    EXPECT_EQ(item["overdue"], true) << item;  // Received Fri 20th, overdue from Tue 24th.
  }
  EXPECT_EQ(json::parse(api_->Queue(Req("tm2")).body)["total"], 0);  // Not team-2's queue.
  EXPECT_EQ(json::parse(api_->Queue(Req("hos1")).body)["total"], 2);
  ASSERT_FALSE(audit_.events.empty());
  EXPECT_EQ(audit_.events.back().endpoint(), "GET /v1/queue");
}

TEST_F(ApiTest, QueuePagesWithACursor) {
  json first = json::parse(api_->Queue(Req("hos1", {{"limit", "1"}})).body);
  ASSERT_EQ(first["items"].size(), 1u);
  ASSERT_TRUE(first.contains("next_cursor")) << first;
  json second = json::parse(
      api_->Queue(Req("hos1", {{"limit", "1"}, {"cursor", first["next_cursor"]}})).body);
  ASSERT_EQ(second["items"].size(), 1u);
  EXPECT_NE(first["items"][0]["child_id"], second["items"][0]["child_id"]);
  EXPECT_FALSE(second.contains("next_cursor"));
}

TEST_F(ApiTest, AccessMatrixOnChildRecordsIsEnforcedAndAudited) {
  // user -> {own-team child, other-team child, restricted child} expected statuses.
  std::map<std::string, std::array<std::pair<std::string, int>, 3>> matrix = {
      {"p1", {{{"child-q", 200}, {"child-o", 403}, {"child-r", 403}}}},
      {"sw1", {{{"child-a", 200}, {"child-o", 403}, {"child-r", 403}}}},
      {"tm1", {{{"child-a", 200}, {"child-o", 403}, {"child-r", 403}}}},
      {"tm2", {{{"child-o", 200}, {"child-a", 403}, {"child-r", 403}}}},
      {"sm1", {{{"child-a", 200}, {"child-o", 200}, {"child-r", 403}}}},
      {"hos1", {{{"child-a", 200}, {"child-o", 200}, {"child-r", 200}}}},
      {"aud1", {{{"child-a", 200}, {"child-o", 200}, {"child-r", 403}}}},
  };
  for (const auto& [user, cells] : matrix) {
    for (const auto& [child, want] : cells) {
      std::size_t before = audit_.events.size();
      http::Response r = Child(user, child);
      EXPECT_EQ(r.status, want) << user << " reading " << child << ": " << r.body;
      ASSERT_EQ(audit_.events.size(), before + 1) << user << " " << child;
      const auto& a = audit_.events.back();
      EXPECT_EQ(a.user_id(), user);
      EXPECT_EQ(a.child_id(), child);
      EXPECT_EQ(a.outcome() == audit::v1::OUTCOME_GRANTED, want == 200);
      if (want == 200) {
        EXPECT_NE(r.body.find("chronology"), std::string::npos);
      } else {
        EXPECT_EQ(r.body.find("chronology"), std::string::npos) << "record leaked: " << r.body;
        EXPECT_EQ(r.body.find("NEGLECT"), std::string::npos) << "record leaked: " << r.body;
      }
    }
  }
  // The audit event never carries the record's content.
  for (const auto& a : audit_.events) EXPECT_EQ(a.DebugString().find("NEGLECT"), std::string::npos);
}

TEST_F(ApiTest, UnauthenticatedRequestsAreRefusedAndAudited) {
  for (const std::string& header :
       {std::string(), std::string("Bearer nope"), std::string("Basic x")}) {
    http::Request r = Req("", {}, {{"id", "child-q"}});
    if (!header.empty()) r.headers.emplace("authorization", header);
    std::size_t before = audit_.events.size();
    http::Response res = api_->Child(r);
    EXPECT_EQ(res.status, 401) << header;
    EXPECT_EQ(res.headers["WWW-Authenticate"], "Bearer realm=\"sightline\"");
    ASSERT_EQ(audit_.events.size(), before + 1);
    EXPECT_EQ(audit_.events.back().outcome(), audit::v1::OUTCOME_UNAUTHENTICATED);
    EXPECT_EQ(audit_.events.back().token_fingerprint().find("nope"), std::string::npos);
  }
  EXPECT_EQ(api_->Queue(Req("")).status, 401);
  // The scheme's name is case-insensitive (RFC 9110 section 11.1); the token is not.
  http::Request lower = Req("");
  lower.headers.emplace("authorization", "bearer   " + TokenOf("hos1") + " ");
  EXPECT_EQ(api_->Queue(lower).status, 200);
  http::Request upper_token = Req("");
  std::string upper = TokenOf("hos1");
  for (char& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  upper_token.headers.emplace("authorization", "BEARER " + upper);
  EXPECT_EQ(api_->Queue(upper_token).status, 401);
  EXPECT_EQ(api_->LineOfSight(Req("")).status, 401);
  EXPECT_EQ(api_->Household(Req("", {}, {{"id", "h1"}})).status, 401);
  EXPECT_EQ(api_->Stream(Req("")).head.status, 401);
}

TEST_F(ApiTest, MalformedParametersAre400) {
  EXPECT_EQ(Child("hos1", "bad id!").status, 400);
  EXPECT_EQ(Child("hos1", std::string(300, 'a')).status, 400);
  EXPECT_EQ(Child("hos1", "no-such-child").status, 404);
  EXPECT_EQ(api_->Household(Req("hos1", {}, {{"id", "%00"}})).status, 400);
  for (auto q :
       std::vector<std::multimap<std::string, std::string>>{{{"rag", "purple"}},
                                                            {{"limit", "0"}},
                                                            {{"limit", "9999"}},
                                                            {{"limit", "ten"}},
                                                            {{"cursor", "zz"}},
                                                            {{"stage", "limbo"}},
                                                            {{"team", "a b"}},
                                                            {{"colour", "red"}},
                                                            {{"rag", "red"}, {"rag", "amber"}}}) {
    http::Response r = api_->Queue(Req("hos1", q));
    EXPECT_EQ(r.status, 400) << q.begin()->first << "=" << q.begin()->second << " " << r.body;
    EXPECT_TRUE(json::parse(r.body).contains("field")) << r.body;
  }
  EXPECT_EQ(api_->Queue(Req("hos1", {{"rag", "amber"}, {"stage", "awaiting_decision"}})).status,
            200);
  EXPECT_EQ(api_->Search(Req("hos1", {{"name", "a"}})).status, 400);
  EXPECT_EQ(Child("hos1", "child-q").status, 200);
}

TEST_F(ApiTest, HouseholdShowsMembersAndCumulativeHistory) {
  http::Response r = api_->Household(Req("tm1", {}, {{"id", "h1"}}));
  ASSERT_EQ(r.status, 200) << r.body;
  json body = json::parse(r.body);
  // tm1 (team-1) may read child-a (allocated to team-1) but not child-q (MASH queue): child-q is
  // neither listed nor counted, only said to exist.
  ASSERT_EQ(body["children"].size(), 1u) << body;
  EXPECT_EQ(body["children"][0]["child_id"], "child-a");
  EXPECT_EQ(body["hidden_members"], 1);
  EXPECT_EQ(body["totals"]["contacts_12m"], 1);
  EXPECT_EQ(body.dump().find("child-q"), std::string::npos) << body;
  // A head of service reads both: the totals are the household's.
  json all = json::parse(api_->Household(Req("hos1", {}, {{"id", "h1"}})).body);
  EXPECT_EQ(all["children"].size(), 2u);
  EXPECT_EQ(all["hidden_members"], 0);
  EXPECT_EQ(all["totals"]["contacts_12m"], 2);
  EXPECT_EQ(all["totals"]["referrals_12m"], 1);
  // The leak of issue 13: the difference between two readers' totals is only what the one may
  // read and the other may not, never a hidden child's history.
  EXPECT_EQ(all["totals"]["contacts_12m"].get<int>() - body["totals"]["contacts_12m"].get<int>(),
            1);
}

// The leak of issue 13: a team manager could subtract to learn a restricted sibling's history.
TEST_F(ApiTest, HouseholdTotalsCountOnlyWhatTheReaderMayRead) {
  // tm2 manages team-2, which holds both children of h3; child-s is restricted.
  json tm2 = json::parse(api_->Household(Req("tm2", {}, {{"id", "h3"}})).body);
  ASSERT_EQ(tm2["children"].size(), 1u) << tm2;
  EXPECT_EQ(tm2["children"][0]["child_id"], "child-o");
  EXPECT_EQ(tm2["hidden_members"], 1);
  EXPECT_EQ(tm2["totals"]["contacts_12m"], 1);
  EXPECT_EQ(tm2["totals"]["referrals_12m"], 1);
  EXPECT_EQ(tm2.dump().find("Ruby"), std::string::npos) << tm2;
  // A head of service (named for restricted records) sees the whole household.
  json hos = json::parse(api_->Household(Req("hos1", {}, {{"id", "h3"}})).body);
  EXPECT_EQ(hos["children"].size(), 2u);
  EXPECT_EQ(hos["hidden_members"], 0);
  EXPECT_EQ(hos["totals"]["contacts_12m"], 2);
  EXPECT_EQ(hos["totals"]["referrals_12m"], 2);
  // A service manager reads every unrestricted record, but not the restricted one.
  json sm = json::parse(api_->Household(Req("sm1", {}, {{"id", "h3"}})).body);
  EXPECT_EQ(sm["hidden_members"], 1);
  EXPECT_EQ(sm["totals"]["contacts_12m"], 1);
  EXPECT_EQ(api_->Household(Req("tm2", {}, {{"id", "h1"}})).status, 403);
  EXPECT_EQ(api_->Household(Req("tm1", {}, {{"id", "h-none"}})).status, 404);
}

// The line of sight's figures add up as docs/api/openapi.yaml defines them (issue 14: one box
// said 67 awaiting a decision while the stages said 61).
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
  auto store = storage::Store::Open({.path = sightline::testing::TempDir("los-store"),
                                     .column_families = ColumnFamilies(),
                                     .sync_writes = false});
  ASSERT_TRUE(store.ok());
  store_ = std::move(store).value();
  domain::SimulationParams params;
  params.seed = 14;
  params.days = 30;
  params.contacts_per_day = 80;
  std::vector<v1::Envelope> events = domain::Simulate(params);
  std::vector<kafka::Record> records;
  for (std::size_t i = 0; i < events.size(); ++i) {
    kafka::Record& r = records.emplace_back();
    r.offset = static_cast<std::int64_t>(i);
    r.key = events[i].child_id();
    events[i].SerializeToString(&r.value);
  }
  clock_.Set(Instant(params.start_day + std::chrono::days(params.days)) + std::chrono::hours(12));
  Applier applier(*store_, calendar_, policy_);
  auto plan = applier.Prepare(records, clock_.Now());
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  ASSERT_TRUE(store_->Write(plan.value().writes).ok());
  api_ = MakeApi(StreamLimits{});
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
    return api.Acknowledge(q);
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
  EXPECT_EQ(written.size(), 1u);
  // The gateway's own refusal (the role the level is routed to) is passed back as it is.
  gateway_status = 403;
  r = ack("hos1", R"({"alert_id":"contact-decision/child-q/ev-c-child-q/L2"})");
  EXPECT_EQ(r.status, 403);
  EXPECT_NE(r.body.find("refused by the gateway"), std::string::npos);
}

TEST_F(ApiTest, SearchFindsARestrictedRecordButNotItsNameAndIsAuditedWithTermAndIds) {
  http::Response r = api_->Search(Req("p1", {{"name", "grace"}}));
  ASSERT_EQ(r.status, 200) << r.body;
  json body = json::parse(r.body);
  ASSERT_EQ(body["results"].size(), 1u);
  const json& hit = body["results"][0];
  EXPECT_EQ(hit["child_id"], "child-r");
  EXPECT_EQ(hit["restricted"], true);
  EXPECT_EQ(hit["can_read"], false);
  EXPECT_EQ(hit["ask"], "head_of_service");
  EXPECT_FALSE(hit.contains("name")) << hit;
  ASSERT_FALSE(audit_.events.empty());
  const auto& record = audit_.events.back();
  EXPECT_EQ(record.endpoint(), "GET /v1/search");
  EXPECT_EQ(record.query(), "grace");
  ASSERT_EQ(record.child_ids_shown_size(), 1);
  EXPECT_EQ(record.child_ids_shown(0), "child-r");
  // The head of service, who may open it, sees the name; the record's own 403 names nobody.
  body = json::parse(api_->Search(Req("hos1", {{"name", "grace"}})).body);
  EXPECT_EQ(body["results"][0]["name"], "Grace Hill");
  r = Child("p1", "child-r");
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.body.find("Grace"), std::string::npos) << r.body;
  // A queue read records the ids it showed.
  ASSERT_EQ(api_->Queue(Req("p1")).status, 200);
  EXPECT_EQ(audit_.events.back().endpoint(), "GET /v1/queue");
  EXPECT_GE(audit_.events.back().child_ids_shown_size(), 1);
}

TEST_F(ApiTest, NothingIsShownWhenTheAuditCannotBeWritten) {
  audit_.fail = true;
  http::Response r = Child("hos1", "child-q");
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.body.find("chronology"), std::string::npos);
  EXPECT_EQ(api_->Queue(Req("hos1")).status, 503);
}

// A sink that records what a stream would write to its client.
class RecordingSink : public http::StreamSink {
 public:
  bool Send(std::string chunk) override {
    std::lock_guard lock(mu_);
    text_ += chunk;
    return open_;
  }
  bool open() const override { return open_; }
  void Close() { open_ = false; }
  std::string text() const {
    std::lock_guard lock(mu_);
    return text_;
  }

 private:
  mutable std::mutex mu_;
  std::string text_;
  std::atomic<bool> open_{true};
};

TEST_F(ApiTest, StreamSendsOnlyVisibleChanges) {
  http::StreamResponse s = api_->Stream(Req("tm2"));
  ASSERT_EQ(s.head.status, 200);
  ASSERT_TRUE(s.open);
  auto sink = std::make_shared<RecordingSink>();
  s.open(sink);
  feed_.Publish({"child-q", "child-o"});
  // The hub's thread delivers; wait for it (bounded) rather than for a fixed time.
  for (int i = 0; i < 500 && sink->text().find("event: changed") == std::string::npos; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  std::string all = sink->text();
  EXPECT_NE(all.find("event: hello"), std::string::npos) << all;
  EXPECT_NE(all.find("child-o"), std::string::npos) << all;  // team-2's child.
  EXPECT_EQ(all.find("child-q"), std::string::npos) << all;  // Not tm2's to see.
  // Opening and closing are audited; the close lists every child the stream named.
  ASSERT_TRUE(audit_.WaitFor("stream opened"));
  sink->Close();
  auto closed = audit_.WaitFor("stream closed");
  ASSERT_TRUE(closed);
  EXPECT_EQ(closed->user_id(), "tm2");
  EXPECT_EQ(closed->endpoint(), "GET /v1/stream");
  ASSERT_EQ(closed->child_ids_shown_size(), 1);
  EXPECT_EQ(closed->child_ids_shown(0), "child-o");
}

TEST_F(ApiTest, StreamsAreCappedPerUserAndFreedOnClose) {
  api_ = MakeApi(StreamLimits{.max_streams = 100, .max_per_user = 2});
  std::vector<std::shared_ptr<RecordingSink>> sinks;
  for (int i = 0; i < 2; ++i) {
    http::StreamResponse s = api_->Stream(Req("tm2"));
    ASSERT_EQ(s.head.status, 200);
    sinks.push_back(std::make_shared<RecordingSink>());
    s.open(sinks.back());
  }
  http::StreamResponse third = api_->Stream(Req("tm2"));
  EXPECT_EQ(third.head.status, 429);
  EXPECT_NE(third.head.body.find("at most 2 open streams per user"), std::string::npos);
  EXPECT_FALSE(third.open);
  EXPECT_EQ(api_->Stream(Req("hos1")).head.status, 200);  // Another user still may.
  sinks[0]->Close();
  EXPECT_EQ(api_->Stream(Req("tm2")).head.status, 200);  // A closed stream frees its place.
}

}  // namespace
}  // namespace sightline::projector
