// The triage API test fixture: a real RocksDB store filled by the Applier with a few children
// (queued, allocated, restricted, in households), a recording audit sink, static tokens for each
// role and a manual clock. Shared by projector_api_test.cc and projector_leaders_test.cc.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>

#include "alert_board.h"
#include "api.h"
#include "applier.h"
#include "process.h"
#include "records.h"
#include "sightline/alerts/v1/alerts.pb.h"
#include "sightline/crypto/digest.h"
#include "sightline/domain/events/codec.h"
#include "sightline/domain/events/validation.h"
#include "sightline/http/client.h"
#include "sightline/simulator/simulate.h"
#include "store_layout.h"

namespace sightline::projector::api_test {

namespace v1 = events::v1;
using nlohmann::json;

// Each test user's static token (32+ characters, as the authenticator demands).
inline std::string TokenOf(const std::string& user) {
  return "token-" + user + "-0123456789abcdefghijklmnopq";
}

// A GET of `path` by `user` with their token (none when `user` is empty), to send over HTTP.
inline http::ClientRequest RequestAs(const std::string& user, const std::string& path) {
  http::ClientRequest r;
  r.path = path;
  if (!user.empty()) r.headers["Authorization"] = "Bearer " + TokenOf(user);
  return r;
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

inline v1::Envelope Base(const std::string& id, const std::string& child,
                         const std::string& household) {
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
    slot_ = std::make_unique<StoreSlot>(store_);
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

  // The API's dependencies on the fixture's store, policies, clock and audit sink (`audit`, or
  // the recording audit_ when null), for a test to adjust before making its own API.
  ApiDeps Deps(audit_log::AuditSink* audit = nullptr) {
    return ApiDeps{.stores = *slot_,
                   .calendar = calendar_,
                   .access = access_,
                   .auth = *auth_,
                   .audit = audit != nullptr ? *audit : audit_,
                   .feed = feed_,
                   .metrics = metrics_,
                   .clock = clock_,
                   .consumer_status = [] { return consumer::ShellStatus{}; }};
  }

  // A replica that has applied partition 0 up to `applied` (the next offset), for reads with
  // X-Sightline-Not-Before; `asked` counts how often the API has asked how far it has applied.
  struct Replica {
    std::atomic<std::int64_t> applied{5};
    std::atomic<int> asked{0};
    std::function<consumer::ShellStatus()> Status() {
      return [this] {
        ++asked;
        consumer::ShellStatus status;
        status.partitions[0].applied_next = applied.load();
        return status;
      };
    }
  };

  // Serves `api` over HTTP on a free port with `threads` request threads; sets `base` to its URL.
  static std::unique_ptr<http::Server> Serve(TriageApi& api, int threads, std::string& base) {
    auto server = std::make_unique<http::Server>(
        http::ServerOptions{.host = "127.0.0.1", .port = 0, .threads = threads});
    api.Register(*server, "");
    auto port = server->Start();
    EXPECT_TRUE(port.ok()) << port.status().ToString();
    if (!port.ok()) return nullptr;
    base = "http://127.0.0.1:" + std::to_string(port.value());
    return server;
  }

  // `audit`: where audit records go (null: the recording audit_).
  std::unique_ptr<TriageApi> MakeApi(StreamLimits stream_limits,
                                     const storage::Store* alerts = nullptr,
                                     decltype(ApiDeps::write_event) write_event = {},
                                     audit_log::AuditSink* audit = nullptr) {
    ApiDeps deps = Deps(audit);
    deps.stream_limits = stream_limits;
    deps.alerts = alerts;
    deps.write_event = std::move(write_event);
    return std::make_unique<TriageApi>(std::move(deps));
  }

  // Replaces the fixture's children with a simulated county's (a fresh store, the clock at noon
  // on the day after the last simulated day); returns the simulated events.
  std::vector<v1::Envelope> LoadSimulatedCounty(const domain::SimulationParams& params) {
    auto store = storage::Store::Open({.path = sightline::testing::TempDir("county-store"),
                                       .column_families = ColumnFamilies(),
                                       .sync_writes = false});
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    if (!store.ok()) return {};
    store_ = std::move(store).value();
    slot_ = std::make_unique<StoreSlot>(store_);
    std::vector<v1::Envelope> events = domain::Simulate(params);
    clock_.Set(Instant(params.start_day + std::chrono::days(params.days)) + std::chrono::hours(12));
    Applier applier(*store_, calendar_, policy_);
    auto plan = applier.Prepare(sightline::testing::AsRecords(events), clock_.Now());
    EXPECT_TRUE(plan.ok()) << plan.status().ToString();
    if (!plan.ok()) return {};
    EXPECT_TRUE(store_->Write(plan.value().writes).ok());
    api_ = MakeApi(StreamLimits{});
    return events;
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
  std::shared_ptr<storage::Store> store_;
  std::unique_ptr<StoreSlot> slot_;
  std::unique_ptr<Applier> applier_;
  std::unique_ptr<TriageApi> api_;
};

}  // namespace sightline::projector::api_test
