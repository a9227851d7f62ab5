// GET /v1/returns/cin-census against the API fixture: only the roles that read every record may
// make the return, the return the projector makes equals the one made offline from the same
// events, and every child in it is named in the access audit before it is answered.
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

}  // namespace
}  // namespace sightline::projector::api_test
