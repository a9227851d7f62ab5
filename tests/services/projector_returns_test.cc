// GET /v1/returns/cin-census against the API fixture: only the roles that read every record may
// make the return, the return the projector makes equals the one made offline from the same
// events, and every child in it is named in the access audit before it is answered.
#include <future>
#include <set>

#include "projector_api_fixture.h"
#include "sightline/domain/returns/annex_a.h"
#include "sightline/domain/returns/cin_census.h"

namespace sightline::projector::api_test {
namespace {

const std::multimap<std::string, std::string> kYear = {{"year", "2026-27"}, {"la", "886"}};

// A simulated county from the simulator's default first day.
domain::SimulationParams County(std::uint64_t seed, int days, int contacts_per_day) {
  domain::SimulationParams p;
  p.seed = seed;
  p.days = days;
  p.contacts_per_day = contacts_per_day;
  return p;
}

// The children the audit records of a return name (each record granted to hos1 on `endpoint`,
// at most 1,000 ids, saying `what`).
std::multiset<std::string> NamedInAudit(const RecordingAudit& audit, const std::string& endpoint,
                                        const std::string& what) {
  std::multiset<std::string> named;
  for (const auto& e : audit.events) {
    EXPECT_EQ(e.outcome(), audit::v1::OUTCOME_GRANTED);
    EXPECT_EQ(e.user_id(), "hos1");
    EXPECT_EQ(e.endpoint(), endpoint);
    EXPECT_LE(e.child_ids_shown_size(), 1000);
    EXPECT_NE(e.detail().find(what), std::string::npos) << e.detail();
    named.insert(e.child_ids_shown().begin(), e.child_ids_shown().end());
  }
  return named;
}

TEST_F(ApiTest, OnlyThoseWhoReadEveryRecordMayMakeTheCinCensusAndRefusalsAreAudited) {
  // A service manager and an auditor read every unrestricted record, but the return names the
  // restricted children too.
  for (std::string who : {"p1", "sw1", "tm1", "sm1", "aud1"}) {
    audit_.events.clear();
    http::Response annex =
        api_->AnnexAReturn(Req(who, {{"from", "2026-04-01"}, {"to", "2026-09-30"}}));
    EXPECT_EQ(annex.status, 403) << who << ": " << annex.body;
    audit_.events.clear();
    http::Response r = api_->CinCensusReturn(Req(who, kYear));
    EXPECT_EQ(r.status, 403) << who << ": " << r.body;
    EXPECT_NE(r.body.find("head_of_service"), std::string::npos) << r.body;
    ASSERT_EQ(audit_.events.size(), 1u) << who;
    EXPECT_EQ(audit_.events[0].outcome(), audit::v1::OUTCOME_DENIED_NO_NEED_TO_KNOW);
    EXPECT_EQ(audit_.events[0].user_id(), who);
    EXPECT_EQ(audit_.events[0].endpoint(), "GET /v1/returns/cin-census");
  }
  EXPECT_EQ(api_->CinCensusReturn(Req("", kYear)).status, 401);
}

TEST_F(ApiTest, CinCensusParametersAreCheckedAndNamed) {
  auto field = [&](std::multimap<std::string, std::string> query) {
    http::Response r = api_->CinCensusReturn(Req("hos1", std::move(query)));
    EXPECT_EQ(r.status, 400) << r.body;
    return json::parse(r.body).value("field", "");
  };
  EXPECT_EQ(field({{"la", "886"}}), "year");
  EXPECT_EQ(field({{"year", "2026-28"}, {"la", "886"}}), "year");
  EXPECT_EQ(field({{"year", "2026-27"}}), "la");
  EXPECT_EQ(field({{"year", "2026-27"}, {"la", "88A"}}), "la");
  EXPECT_EQ(field({{"year", "2026-27"}, {"la", "886"}, {"serial_no", "x"}}), "serial_no");
  EXPECT_EQ(field({{"year", "2026-27"}, {"la", "886"}, {"child", "a"}}), "child");
}

TEST_F(ApiTest, TheProjectorsCinCensusIsTheOfflineOneAndNamesEveryChildInTheAudit) {
  std::vector<v1::Envelope> events = LoadSimulatedCounty(County(16, 60, 90));
  ASSERT_FALSE(events.empty());
  audit_.events.clear();
  http::Response r = api_->CinCensusReturn(Req("hos1", kYear));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.content_type, "application/xml");
  EXPECT_EQ(r.headers["Cache-Control"], "no-store");

  domain::returns::CinCensusFigures f;
  auto year = domain::returns::ParseCollectionYear("2026-27");
  ASSERT_TRUE(year.ok());
  std::string offline =
      domain::returns::CinCensusXml(events, calendar_,
                                    {.year = year.value(),
                                     .la_code = "886",
                                     .generated_at = FormatIso(clock_.Now()).substr(0, 19)},
                                    &f);
  EXPECT_GT(f.children, 1000) << "enough children for more than one audit record";
  EXPECT_EQ(r.body, offline) << "the store's events, in key order, make the same return";
  EXPECT_EQ(r.headers["X-Sightline-Children"], std::to_string(f.children));

  // Every child in the return, each once, across records of at most 1,000 ids.
  EXPECT_EQ(audit_.events.size(), (f.child_ids.size() + 999) / 1000);
  EXPECT_EQ(NamedInAudit(audit_, "GET /v1/returns/cin-census", "CIN census 2026-27 for LA 886"),
            std::multiset<std::string>(f.child_ids.begin(), f.child_ids.end()));
}

TEST_F(ApiTest, TheProjectorsAnnexAIsTheOfflineOneAndNamesEveryChildInTheAudit) {
  std::vector<v1::Envelope> events = LoadSimulatedCounty(County(17, 45, 30));
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(api_->AnnexAReturn(Req("hos1", {{"from", "2026-13-01"}, {"to", "2026-12-01"}})).status,
            400);
  EXPECT_EQ(api_->AnnexAReturn(Req("hos1", {{"from", "2026-12-01"}, {"to", "2026-11-01"}})).status,
            400);
  audit_.events.clear();
  http::Response r =
      api_->AnnexAReturn(Req("hos1", {{"from", "2026-11-01"}, {"to", "2026-12-31"}}));
  ASSERT_EQ(r.status, 200) << r.body;
  json body = json::parse(r.body);
  std::vector<std::string> named;
  auto lists = domain::returns::AnnexA(
      events, {.from = *domain::ParseDay("2026-11-01"), .to = *domain::ParseDay("2026-12-31")},
      &named);
  ASSERT_EQ(body["lists"].size(), lists.size());
  for (std::size_t i = 0; i < lists.size(); ++i) {
    EXPECT_EQ(body["lists"][i]["headers"].get<std::vector<std::string>>(), lists[i].headers);
    EXPECT_EQ(body["lists"][i]["rows"].get<std::vector<std::vector<std::string>>>(), lists[i].rows)
        << "List " << lists[i].number;
  }
  EXPECT_GT(lists[0].rows.size(), 500u);
  EXPECT_EQ(body["children"].get<std::size_t>(), named.size());
  EXPECT_EQ(NamedInAudit(audit_, "GET /v1/returns/annex-a", "Annex A 2026-11-01 to 2026-12-31"),
            std::multiset<std::string>(named.begin(), named.end()));
}

// A return reads every stored event, so it runs off the request threads and one at a time. With
// one request thread: while a return waits (here, for the replica to apply what its caller has
// seen), a read is answered, a caller who may not make returns is refused as before, and a second
// return is turned away at once.
TEST_F(ApiTest, ReturnsRunOneAtATimeOffTheRequestThreads) {
  Replica replica;
  ApiDeps deps = Deps();
  deps.consumer_status = replica.Status();
  deps.not_before_wait = std::chrono::seconds(60);
  deps.max_pending_returns = 1;
  auto api = std::make_unique<TriageApi>(std::move(deps));
  std::string base;
  auto server = Serve(*api, 1, base);
  ASSERT_NE(server, nullptr);
  auto get = [&](const std::string& user, const std::string& path, const std::string& not_before) {
    http::ClientRequest r = RequestAs(user, path);
    if (!not_before.empty()) r.headers["X-Sightline-Not-Before"] = not_before;
    return http::Send(base, r);
  };
  const std::string census = "/v1/returns/cin-census?year=2026-27&la=886";
  const int before = replica.asked.load();
  auto waiting = std::async(std::launch::async, [&] { return get("hos1", census, "0:10"); });
  ASSERT_TRUE(sightline::testing::WaitFor([&] { return replica.asked.load() >= before + 3; },
                                          std::chrono::seconds(10)));
  auto child = get("hos1", "/v1/children/child-q", "");
  auto refused = get("sw1", census, "");
  auto second = get("hos1", "/v1/returns/annex-a?from=2026-04-01&to=2026-09-30", "");
  ASSERT_TRUE(child.ok() && refused.ok() && second.ok());
  EXPECT_EQ(child.value().status, 200) << child.value().body;
  EXPECT_EQ(refused.value().status, 403) << refused.value().body;
  EXPECT_EQ(second.value().status, 503) << second.value().body;
  EXPECT_NE(second.value().body.find("already being made"), std::string::npos);
  EXPECT_EQ(second.value().headers["retry-after"], "5");
  EXPECT_EQ(waiting.wait_for(std::chrono::milliseconds(0)), std::future_status::timeout);
  replica.applied = 10;
  auto made = waiting.get();
  ASSERT_TRUE(made.ok());
  EXPECT_EQ(made.value().status, 200) << made.value().body;
  EXPECT_EQ(made.value().content_type, "application/xml");
  EXPECT_NE(made.value().body.find("<Message"), std::string::npos);
  server->Stop();
}

}  // namespace
}  // namespace sightline::projector::api_test
