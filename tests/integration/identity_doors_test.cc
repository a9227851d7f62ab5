// Issue 13's proofs against running services and a real broker: every door refuses each kind of
// bad credential with 401 and audits it; the gateway enforces the write matrix cell by cell for
// signed-in staff and partner systems; the attacks found from outside are refused and audited;
// and `sightlinectl audit` answers "who read this child" and "what did this user read".
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "broker.h"
#include "gateway_harness.h"
#include "notifier_harness.h"
#include "ops_auth.h"
#include "process.h"
#include "projector_harness.h"
#include "raw_socket.h"
#include "sightline/audit/v1/audit.pb.h"
#include "sightline/domain/access/write.h"
#include "sightline/domain/events/codec.h"
#include "sightline/identity/issuer.h"
#include "sightline/simulator/simulate.h"
#include "watchdog_harness.h"

namespace sightline::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
namespace au = audit::v1;
namespace v1 = events::v1;

constexpr const char* kIssuer = "https://idp.council.test";
constexpr const char* kAudience = "sightline";

// A local identity provider: one published key, and keys it never published.
class Idp {
 public:
  explicit Idp(const std::string& dir)
      : key_(identity::NewSigningKey("RS256", "k1").value()),
        impostor_(identity::NewSigningKey("RS256", "k1").value()),  // Same kid, other key.
        unknown_(identity::NewSigningKey("ES256", "k9").value()),
        jwks_file_(dir + "/jwks.json") {
    std::ofstream(jwks_file_) << identity::JwksOf({key_});
  }
  // The auth-block lines that trust this provider.
  std::string AuthYaml() const {
    return std::string("  jwt: {issuer: \"") + kIssuer + "\", audience: " + kAudience +
           ", jwks_file: \"" + jwks_file_ + "\"}\n";
  }
  // A signed access token; `tweak` edits the claims first.
  std::string Token(const json& who, const std::function<void(json&)>& tweak = {},
                    const identity::SigningKey* key = nullptr) const {
    auto now = std::chrono::duration_cast<std::chrono::seconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count();
    json claims = {
        {"iss", kIssuer}, {"aud", kAudience}, {"iat", now}, {"nbf", now - 5}, {"exp", now + 600}};
    claims.update(who);
    if (tweak) tweak(claims);
    return identity::SignJwt(key ? *key : key_, claims.dump()).value();
  }
  const identity::SigningKey& impostor() const { return impostor_; }
  const identity::SigningKey& unknown() const { return unknown_; }

 private:
  identity::SigningKey key_, impostor_, unknown_;
  std::string jwks_file_;
};

json Staff(const std::string& sub, const std::string& role, const std::string& team) {
  return {{"sub", sub}, {"sightline_role", role}, {"sightline_team", team}};
}

// The six ways a bearer credential is wrong, each of which must be 401 at every door.
std::map<std::string, std::string> BadCredentials(const Idp& idp) {
  json sm = Staff("sm-1", "service_manager", "ops");
  return {
      {"no token", ""},
      {"expired", idp.Token(sm, [](json& c) { c["exp"] = c["exp"].get<long>() - 7200; })},
      {"wrong audience", idp.Token(sm, [](json& c) { c["aud"] = "another-api"; })},
      {"wrong issuer", idp.Token(sm, [](json& c) { c["iss"] = "https://idp.evil.test"; })},
      {"bad signature", idp.Token(sm, {}, &idp.impostor())},
      {"unknown key id", idp.Token(sm, {}, &idp.unknown())},
  };
}

StatusOr<http::ClientResponse> Call(const std::string& base, const std::string& method,
                                    const std::string& path, const std::string& token,
                                    const std::string& body = "") {
  std::map<std::string, std::string> headers;
  if (!token.empty()) headers["Authorization"] = "Bearer " + token;
  return http::Send(base, {.method = method,
                           .path = path,
                           .body = body,
                           .content_type = body.empty() ? "" : "application/json",
                           .headers = headers,
                           .timeout = 30s});
}

std::vector<au::AccessAudited> ReadAudit(const std::string& brokers, const std::string& topic) {
  std::vector<au::AccessAudited> out;
  auto records = kafka::ReadTopic(brokers, {}, topic, 30s);
  EXPECT_TRUE(records.ok()) << records.status().message();
  if (!records.ok()) return out;
  for (const kafka::Record& r : records.value()) {
    au::AccessAudited& e = out.emplace_back();
    EXPECT_TRUE(e.ParseFromString(r.value));
  }
  return out;
}

int CountOutcome(const std::vector<au::AccessAudited>& records, au::Outcome outcome) {
  return static_cast<int>(std::count_if(records.begin(), records.end(),
                                        [&](const auto& e) { return e.outcome() == outcome; }));
}

std::string Json(const v1::Envelope& e) { return domain::EventToJson(e); }

class IdentityDoors : public ::testing::Test {
 protected:
  void SetUp() override {
    brokers_ = SharedBrokers();
    ASSERT_FALSE(brokers_.empty()) << "run through `make test` or set SIGHTLINE_TEST_BROKERS";
  }
  std::string brokers_;
  std::string dir_ = TempDir("identity-doors");
  Idp idp_{dir_};
};

TEST_F(IdentityDoors, EveryDoorRefusesEachBadCredentialWith401AndAuditsIt) {
  std::string suffix = std::to_string(getpid());
  GatewayHarness gateway(brokers_, "doors-gw", 10000, 0, idp_.AuthYaml());
  ASSERT_TRUE(gateway.CreateTopic());
  ASSERT_TRUE(gateway.Start());
  std::string events = gateway.topic();
  std::string alerts = "test.doors-alerts." + suffix;
  ASSERT_TRUE(WatchdogHarness::CreateTopics(brokers_, {alerts, events + ".dlq"}));
  ProjectorHarness projector(brokers_, "doors-pr", events, " []", "", "auth:\n" + idp_.AuthYaml());
  WatchdogHarness watchdog(brokers_, "doors-wd", events, alerts, idp_.AuthYaml());
  NotifierHarness notifier(
      brokers_, "doors-nt", alerts,
      "receivers:\n  - {name: hook, kind: webhook, url: "
      "\"http://127.0.0.1:9/hook\", routing_key: rk}\nroutes:\n  - {levels: [1, 2, 3, 4], "
      "receivers: [hook]}\n",
      100000, 500, idp_.AuthYaml());
  ASSERT_TRUE(projector.Start());
  watchdog.SetClock(std::chrono::system_clock::now());
  ASSERT_TRUE(watchdog.Start());
  ASSERT_TRUE(notifier.Start());

  struct Door {
    std::string name, base, method, path, body, audit_topic;
    int granted_status;
  };
  std::string contact = ContactJson("doors-ev-1", "doors-child-1");
  // The service manager's own contact: the actor comes from the token, so the body names none.
  json body = json::parse(contact);
  body.erase("actor");
  std::vector<Door> doors = {
      {"gateway", gateway.url(), "POST", "/v1/events", body.dump(), events + ".audit", 202},
      {"triage API", projector.url(), "GET", "/v1/queue", "", events + ".audit", 200},
      {"watchdog", watchdog.url(), "GET", "/v1/alerts", "", alerts + ".audit", 200},
      {"notifier", notifier.base_url(), "GET", "/v1/status", "", alerts + ".notifier-audit", 200},
  };
  std::string good = idp_.Token(Staff("sm-1", "service_manager", "ops"));
  auto bad = BadCredentials(idp_);
  for (const Door& door : doors) {
    for (const auto& [what, token] : bad) {
      auto r = Call(door.base, door.method, door.path, token, door.body);
      ASSERT_TRUE(r.ok()) << door.name << ": " << r.status().message();
      EXPECT_EQ(r.value().status, 401) << door.name << ", " << what << ": " << r.value().body;
    }
    // The same request with a good token goes through: the 401s were the credential's.
    auto r = Call(door.base, door.method, door.path, good, door.body);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r.value().status, door.granted_status) << door.name << ": " << r.value().body;
  }
  // Every refusal is on the door's audit topic (the projector shares the gateway's here).
  std::map<std::string, int> expected;
  for (const Door& door : doors) expected[door.audit_topic] += static_cast<int>(bad.size());
  for (const auto& entry : expected) {
    const std::string& topic = entry.first;  // Named, not bound: lambdas capture them below.
    int n = entry.second;
    std::vector<au::AccessAudited> records;
    ASSERT_TRUE(WaitFor(
        [&] {
          records = ReadAudit(brokers_, topic);
          return CountOutcome(records, au::OUTCOME_UNAUTHENTICATED) >= n;
        },
        30s))
        << topic << ": " << CountOutcome(records, au::OUTCOME_UNAUTHENTICATED) << " of " << n;
    EXPECT_EQ(CountOutcome(records, au::OUTCOME_UNAUTHENTICATED), n) << topic;
  }
  // The watchdog's and notifier's granted calls are recorded with who made them.
  auto wd = ReadAudit(brokers_, alerts + ".audit");
  ASSERT_EQ(CountOutcome(wd, au::OUTCOME_GRANTED), 1);
  for (const auto& e : wd) {
    if (e.outcome() == au::OUTCOME_GRANTED) {
      EXPECT_EQ(e.user_id(), "sm-1");
    }
  }
}

// One valid event of every type a client may send, from the simulator where it makes one.
std::map<std::string, v1::Envelope> SampleOfEveryType() {
  domain::SimulationParams params;
  params.days = 7;
  std::map<std::string, v1::Envelope> samples;
  for (v1::Envelope& e : domain::Simulate(params)) {
    std::string type = domain::PayloadType(e);
    if (!samples.contains(type)) samples.emplace(type, std::move(e));
  }
  auto make = [&](const std::string& type, const std::function<void(v1::Envelope&)>& fill) {
    if (samples.contains(type)) return;
    v1::Envelope e = samples.at("contact_received");
    e.clear_contact_received();
    e.clear_refs();
    fill(e);
    samples.emplace(type, e);
  };
  make("assessment_completed", [](v1::Envelope& e) {
    e.mutable_refs()->set_assessment_id("as-1");
    e.mutable_assessment_completed()->set_type(v1::ASSESSMENT_TYPE_S17_CHILD_AND_FAMILY);
    e.mutable_assessment_completed()->set_child_seen(v1::SEEN_STATUS_SEEN_ALONE);
    e.mutable_assessment_completed()->set_outcome(v1::ASSESSMENT_OUTCOME_NO_FURTHER_ACTION);
  });
  make("conference_held", [](v1::Envelope& e) {
    e.mutable_refs()->set_conference_id("cf-1");
    e.mutable_conference_held()->set_type(v1::CONFERENCE_TYPE_INITIAL);
    e.mutable_conference_held()->set_plan_required(false);
  });
  make("plan_started", [](v1::Envelope& e) {
    e.mutable_refs()->set_plan_id("pl-1");
    e.mutable_plan_started()->set_type(v1::PLAN_TYPE_CHILD_IN_NEED);
    e.mutable_plan_started()->set_primary_need_code("N1");
  });
  make("plan_reviewed", [](v1::Envelope& e) {
    e.mutable_refs()->set_plan_id("pl-1");
    e.mutable_plan_reviewed();
  });
  make("plan_ended", [](v1::Envelope& e) {
    e.mutable_refs()->set_plan_id("pl-1");
    e.mutable_plan_ended()->set_type(v1::PLAN_TYPE_CHILD_IN_NEED);
    e.mutable_plan_ended()->set_reason(v1::PLAN_END_REASON_OUTCOMES_ACHIEVED);
  });
  make("s47_enquiry_completed", [](v1::Envelope& e) {
    e.mutable_refs()->set_s47_id("s47-1");
    e.mutable_s47_enquiry_completed()->set_outcome(v1::S47_OUTCOME_CONCERNS_NOT_SUBSTANTIATED);
  });
  make("legal_stage_reached", [](v1::Envelope& e) {
    e.mutable_refs()->set_legal_case_id("lg-1");
    e.mutable_legal_stage_reached()->set_stage(v1::LEGAL_STAGE_LEGAL_PLANNING_MEETING);
  });
  make("alert_acknowledged",
       [](v1::Envelope& e) { e.mutable_alert_acknowledged()->set_alert_id("al-1"); });
  make("correction", [](v1::Envelope& e) {
    e.mutable_correction()->set_target_event_id("some-earlier-event");
    e.mutable_correction()->set_reason("entered on the wrong child");
    e.mutable_correction()->mutable_retract();
  });
  make("access_restricted", [](v1::Envelope& e) {
    e.mutable_access_restricted()->set_level(v1::RESTRICTION_STAFF_OR_RELATIVE);
    e.mutable_access_restricted()->set_reason("a relative works here");
    e.mutable_access_restricted()->set_review_by("2027-06-01");
  });
  return samples;
}

TEST_F(IdentityDoors, TheGatewayEnforcesTheWriteMatrixCellByCell) {
  GatewayHarness gateway(brokers_, "matrix-gw", 10000, 0, idp_.AuthYaml());
  ASSERT_TRUE(gateway.CreateTopic());
  ASSERT_TRUE(gateway.Start());
  struct Writer {
    json claims;
    std::optional<domain::UserRole> role;
  };
  std::map<std::string, Writer> writers = {
      {"mash_practitioner",
       {Staff("m-1", "mash_practitioner", "mash"), domain::UserRole::kMashPractitioner}},
      {"social_worker", {Staff("s-1", "social_worker", "team-2"), domain::UserRole::kSocialWorker}},
      {"team_manager", {Staff("t-1", "team_manager", "team-2"), domain::UserRole::kTeamManager}},
      {"service_manager",
       {Staff("v-1", "service_manager", "ops"), domain::UserRole::kServiceManager}},
      {"head_of_service",
       {Staff("h-1", "head_of_service", "ops"), domain::UserRole::kHeadOfService}},
      {"auditor", {Staff("a-1", "auditor", "qa"), domain::UserRole::kAuditor}},
      {"partner (police)",
       {{{"sub", "police-feed"}, {"sightline_agency", "AGENCY_POLICE"}}, std::nullopt}},
  };
  domain::WritePolicy policy = domain::DefaultWritePolicy();
  auto samples = SampleOfEveryType();
  int cells = 0, allowed = 0, refused = 0;
  for (const auto& [type, sample] : samples) {
    if (type == "pipeline_heartbeat") continue;
    for (const auto& [name, writer] : writers) {
      v1::Envelope e = sample;
      e.set_event_id("mx-" + std::to_string(++cells));
      e.clear_actor();  // The credential decides who wrote it.
      e.clear_recorded_by();
      e.clear_recorded_at();
      bool want = writer.role
                      ? policy.staff.contains(type) && policy.staff.at(type).contains(*writer.role)
                      : policy.partner.contains(type);
      // A practitioner corrects only their own team's events; this target never came through
      // the gateway, so only managers may correct it.
      if (type == "correction" && (writer.role == domain::UserRole::kMashPractitioner ||
                                   writer.role == domain::UserRole::kSocialWorker))
        want = false;
      if (!writer.role) {
        e.clear_source_agency();
        if (e.has_contact_received()) e.mutable_contact_received()->clear_source();
      }
      auto r = Call(gateway.url(), "POST", "/v1/events", idp_.Token(writer.claims), Json(e));
      ASSERT_TRUE(r.ok());
      EXPECT_EQ(r.value().status, want ? 202 : 403)
          << name << " sending " << type << ": " << r.value().body;
      (want ? allowed : refused) += 1;
    }
  }
  std::string types;
  for (const auto& [type, sample] : samples) types += type + " ";
  EXPECT_EQ(samples.size(), 29u) << "every payload type a client may send has a sample: " << types;
  std::cout << "write matrix: " << cells << " cells, " << allowed << " accepted, " << refused
            << " refused\n";
  // Each refusal is audited with who tried what.
  std::vector<au::AccessAudited> audit;
  ASSERT_TRUE(WaitFor(
      [&] {
        audit = ReadAudit(brokers_, gateway.topic() + ".audit");
        return CountOutcome(audit, au::OUTCOME_DENIED_NOT_PERMITTED) >= refused;
      },
      30s));
  EXPECT_EQ(CountOutcome(audit, au::OUTCOME_DENIED_NOT_PERMITTED), refused);
  // And exactly the accepted events are on the topic, each recording its writer.
  auto written = gateway.ReadAll();
  EXPECT_EQ(static_cast<int>(written.size()), allowed);
  for (const kafka::Record& r : written) {
    v1::Envelope e;
    ASSERT_TRUE(e.ParseFromString(r.value));
    EXPECT_FALSE(e.recorded_by().empty());
    if (e.actor().role() != v1::ROLE_UNSPECIFIED) {
      EXPECT_EQ(e.actor().user_id(), e.recorded_by());
    }
  }
}

TEST_F(IdentityDoors, TheAttacksFromOutsideAreRefusedAndAudited) {
  GatewayHarness gateway(brokers_, "attacks-gw", 10000, 0, idp_.AuthYaml());
  ASSERT_TRUE(gateway.CreateTopic());
  ASSERT_TRUE(gateway.Start());
  auto samples = SampleOfEveryType();
  std::string practitioner = idp_.Token(Staff("m-1", "mash_practitioner", "mash"));
  std::string manager = idp_.Token(Staff("t-1", "team_manager", "team-2"));
  std::string police = idp_.Token({{"sub", "police-feed"}, {"sightline_agency", "AGENCY_POLICE"}});
  auto post = [&](v1::Envelope e, const std::string& token) {
    e.clear_actor();
    e.clear_recorded_at();
    auto r = Call(gateway.url(), "POST", "/v1/events", token, Json(e));
    EXPECT_TRUE(r.ok());
    return r.ok() ? r.value() : http::ClientResponse{};
  };
  // 1. Reallocating a child to oneself: a practitioner may not allocate.
  v1::Envelope alloc = samples.at("case_allocated");
  alloc.set_event_id("atk-alloc");
  alloc.mutable_case_allocated()->set_worker_id("m-1");
  EXPECT_EQ(post(alloc, practitioner).status, 403);
  // ... nor pretend to be the manager who may.
  alloc.mutable_actor()->set_user_id("t-1");
  auto r = Call(gateway.url(), "POST", "/v1/events", practitioner, Json(alloc));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value().status, 403);
  EXPECT_THAT(r.value().body, ::testing::HasSubstr("actor.user_id"));
  // 2. Lifting a restriction: only the roles named for it (service manager, head of service).
  v1::Envelope lift = samples.at("access_restricted");
  lift.set_event_id("atk-lift");
  lift.mutable_access_restricted()->set_level(v1::RESTRICTION_NONE);
  lift.mutable_access_restricted()->clear_review_by();
  EXPECT_EQ(post(lift, manager).status, 403);
  // 3. Paging on-call anonymously: a red contact without a token, or a red rating from a partner.
  v1::Envelope red = samples.at("rag_rated");
  red.set_event_id("atk-red");
  red.mutable_rag_rated()->set_rating(v1::RAG_RATING_RED);
  EXPECT_EQ(post(red, "").status, 401);
  EXPECT_EQ(post(red, police).status, 403);
  // 4. Squatting an event id: the police feed's id, sent first by someone else, or after it.
  v1::Envelope contact = samples.at("contact_received");
  contact.set_event_id("atk-police-1");
  contact.clear_source_agency();
  contact.mutable_contact_received()->clear_source();
  v1::Envelope squat = samples.at("contact_received");
  squat.set_event_id("atk-police-1");
  squat.set_child_id("another-child");
  EXPECT_EQ(post(squat, practitioner).status, 202);  // The squatter writes it first...
  auto real = post(contact, police);
  EXPECT_EQ(real.status, 409) << real.body;  // ...the real one is told at once, not lost later.
  EXPECT_THAT(real.body, ::testing::HasSubstr("another client"));
  contact.set_event_id("atk-police-2");
  EXPECT_EQ(post(contact, police).status, 202);
  EXPECT_EQ(post(contact, police).status, 202) << "a resend is a duplicate, not a conflict";
  squat.set_event_id("atk-police-2");
  EXPECT_EQ(post(squat, practitioner).status, 409);

  std::vector<au::AccessAudited> audit;
  ASSERT_TRUE(WaitFor(
      [&] {
        audit = ReadAudit(brokers_, gateway.topic() + ".audit");
        return audit.size() >= 7u;
      },
      30s));
  EXPECT_EQ(CountOutcome(audit, au::OUTCOME_DENIED_NOT_PERMITTED), 4);
  EXPECT_EQ(CountOutcome(audit, au::OUTCOME_UNAUTHENTICATED), 1);
  EXPECT_EQ(CountOutcome(audit, au::OUTCOME_DENIED_CONFLICT), 2);
  for (const auto& e : audit) {
    if (e.outcome() != au::OUTCOME_DENIED_CONFLICT) continue;
    EXPECT_THAT(e.event_id(), ::testing::StartsWith("atk-police-"));
    EXPECT_THAT(e.user_id(), ::testing::AnyOf("police-feed", "m-1"));
  }
  // The topic holds what was accepted, once each: the squatter's, and police event 2 once.
  EXPECT_EQ(gateway.ReadAll().size(), 2u);
}

TEST_F(IdentityDoors, SightlinectlAuditSaysWhoReadAChildAndWhatAUserRead) {
  GatewayHarness gateway(brokers_, "audit-gw", 10000);
  ASSERT_TRUE(gateway.CreateTopic());
  ASSERT_TRUE(gateway.Start());
  std::string topic = gateway.topic();
  ASSERT_TRUE(WatchdogHarness::CreateTopics(brokers_, {topic + ".dlq"}));
  auto token_of = [](const std::string& who) {
    return "audit-test-token-of-" + who + "-0123456789";
  };
  std::string users;
  for (auto [id, role, team] : std::vector<std::tuple<std::string, std::string, std::string>>{
           {"p1", "mash_practitioner", "mash"},
           {"hos1", "head_of_service", "svc"},
           {"tm2", "team_manager", "team-2"}})
    users += "\n    - {id: " + id + ", role: " + role + ", team: " + team +
             ", token_sha256: " + crypto::Sha256Hex(token_of(id)) + "}";
  ProjectorHarness projector(brokers_, "audit-pr", topic, users);
  ASSERT_TRUE(projector.Start());
  // Ada waits at the MASH (p1's queue); the relay records her contact and details.
  ASSERT_EQ(gateway.Post(ContactJson("au-ev-1", "au-ada")).status, 202);
  json details = json::parse(ContactJson("au-ev-2", "au-ada"));
  details.erase("contactReceived");
  details["refs"] = json::object();
  details["childDetailsRecorded"] = {{"name", "Ada Lovelace"},
                                     {"dateOfBirth", "2016-12-10"},
                                     {"gender", "GENDER_FEMALE"},
                                     {"disability", "DISABILITY_NONE"}};
  ASSERT_EQ(gateway.Post(details.dump()).status, 202) << details;
  ASSERT_TRUE(WaitFor(
      [&] {
        auto r = Call(projector.url(), "GET", "/v1/search?name=Ada", token_of("hos1"));
        return r.ok() && r.value().body.find("au-ada") != std::string::npos;
      },
      30s));

  auto get = [&](const std::string& who, const std::string& path) {
    auto r = Call(projector.url(), "GET", path, token_of(who));
    EXPECT_TRUE(r.ok());
    return r.ok() ? r.value().status : -1;
  };
  EXPECT_EQ(get("p1", "/v1/queue"), 200);
  EXPECT_EQ(get("p1", "/v1/search?name=Ada"), 200);
  EXPECT_EQ(get("hos1", "/v1/children/au-ada"), 200);
  EXPECT_EQ(get("tm2", "/v1/children/au-ada"), 403);  // No need to know: refused, audited.
  // p1 watches the stream while Ada's record changes, then leaves.
  {
    RawSocket stream(std::stoi(projector.url().substr(projector.url().rfind(':') + 1)));
    ASSERT_TRUE(stream.Send("GET /v1/stream HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                            token_of("p1") + "\r\n\r\n"));
    ASSERT_THAT(stream.Read(5s, "event: hello"), ::testing::HasSubstr("event: hello"));
    json rag = json::parse(ContactJson("au-ev-3", "au-ada"));
    rag.erase("contactReceived");
    rag["refs"] = {{"contactId", "ct-au-ev-1"}};
    rag["ragRated"] = {{"rating", "RAG_RATING_AMBER"}};
    ASSERT_EQ(gateway.Post(rag.dump()).status, 202);
    EXPECT_THAT(stream.Read(20s, "au-ada"), ::testing::HasSubstr("au-ada"));
  }
  std::string audit_topic = topic + ".audit";
  auto run_audit = [&](std::vector<std::string> args) {
    std::vector<std::string> argv = {BinDir() + "/sightlinectl", "audit"};
    argv.insert(argv.end(), args.begin(), args.end());
    for (const std::string& a :
         std::vector<std::string>{"--json", "--brokers", brokers_, "--topic", audit_topic})
      argv.push_back(a);
    std::string out = TempDir("audit-out") + "/out.ndjson";
    EXPECT_EQ(testing::Run(argv, out), 0);
    std::vector<json> rows;
    std::ifstream in(out);
    for (std::string line; std::getline(in, line);) {
      json j = json::parse(line, nullptr, false);
      if (j.is_object()) rows.push_back(j);
    }
    return rows;
  };
  // The stream's close is recorded when the projector notices it (within a second or so).
  ASSERT_TRUE(WaitFor(
      [&] {
        for (const json& row : run_audit({"user", "p1"}))
          if (row.value("detail", "").starts_with("stream closed")) return true;
        return false;
      },
      30s));

  // Who read Ada's record: p1 through the queue, the search and the stream; hos1 the record.
  std::vector<json> who = run_audit({"child", "au-ada"});
  std::map<std::string, std::vector<std::string>> ways;  // user -> "endpoint how"
  for (const json& row : who)
    ways[row["user_id"]].push_back(row["endpoint"].get<std::string>() + " " +
                                   row["how"].get<std::string>());
  EXPECT_THAT(ways["p1"],
              ::testing::IsSupersetOf({"GET /v1/queue listed", "GET /v1/search search \"Ada\"",
                                       "GET /v1/stream listed"}));
  EXPECT_THAT(ways["hos1"], ::testing::Contains("GET /v1/children/{id} record"));
  EXPECT_FALSE(ways.contains("tm2")) << "refusals only with --refusals";
  std::vector<json> with_refusals = run_audit({"child", "au-ada", "--refusals"});
  EXPECT_TRUE(std::any_of(with_refusals.begin(), with_refusals.end(), [](const json& row) {
    return row["user_id"] == "tm2" && row["outcome"] == "DENIED_NO_NEED_TO_KNOW";
  }));

  // What p1 read: the queue (with the ids shown), the search with its term, the stream's
  // opening and its close (with the children it named).
  std::vector<json> read = run_audit({"user", "p1"});
  std::vector<std::string> endpoints;
  for (const json& row : read) endpoints.push_back(row["endpoint"]);
  EXPECT_THAT(endpoints,
              ::testing::IsSupersetOf({"GET /v1/queue", "GET /v1/search", "GET /v1/stream"}));
  for (const json& row : read) {
    if (row["endpoint"] == "GET /v1/search") {
      EXPECT_EQ(row["query"], "Ada");
    }
    if (row.value("detail", "").starts_with("stream closed")) {
      EXPECT_THAT(row["child_ids_shown"], ::testing::Contains("au-ada"));
    }
  }
  EXPECT_TRUE(std::none_of(read.begin(), read.end(),
                           [](const json& row) { return row["user_id"] != "p1"; }));
}

TEST_F(IdentityDoors, AGatewayOnTlsServesHttpsAndRefusesPlaintext) {
  std::string pki = MakeTestPki("doors-pki");
  ASSERT_FALSE(pki.empty());
  std::string topic = "test.doors-tls." + std::to_string(getpid());
  ASSERT_TRUE(WatchdogHarness::CreateTopics(brokers_, {topic, topic + ".audit"}));
  std::ofstream(dir_ + "/gateway-tls.yaml")
      << "http:\n  port: 0\n  tls: {cert_file: " << pki << "/server.pem, key_file: " << pki
      << "/server.key}\n"
      << "kafka: {brokers: \"" << brokers_ << "\", topic: " << topic << ", audit_topic: " << topic
      << ".audit}\nstore: {data_dir: " << dir_ << "/tls-ids}\nheartbeat: {interval_seconds: 0}\n"
      << "auth:\n"
      << idp_.AuthYaml();
  std::string plain_url;
  auto gateway =
      StartWithPortFile({BinDir() + "/sightline-gateway", "--config", dir_ + "/gateway-tls.yaml"},
                        dir_ + "/gateway-tls.log", dir_ + "/gateway-tls.port", plain_url);
  ASSERT_TRUE(gateway) << "see " << dir_ << "/gateway-tls.log";
  std::string https = "https://" + plain_url.substr(7);
  json body = json::parse(ContactJson("tls-ev-1", "tls-child"));
  body.erase("actor");
  std::map<std::string, std::string> headers = {
      {"Authorization", "Bearer " + idp_.Token(Staff("v-1", "service_manager", "ops"))}};
  auto sent = http::Send(https, {.method = "POST",
                                 .path = "/v1/events",
                                 .body = body.dump(),
                                 .content_type = "application/json",
                                 .headers = headers,
                                 .timeout = 30s,
                                 .ca_file = pki + "/ca.pem"});
  ASSERT_TRUE(sent.ok()) << sent.status().message();
  EXPECT_EQ(sent.value().status, 202) << sent.value().body;
  // The same request in plaintext gets no answer at all.
  auto plain =
      Call(plain_url, "POST", "/v1/events", headers.begin()->second.substr(7), body.dump());
  EXPECT_FALSE(plain.ok());
  std::ifstream log(dir_ + "/gateway-tls.log");
  std::stringstream text;
  text << log.rdbuf();
  EXPECT_THAT(text.str(), ::testing::HasSubstr("listening on https://127.0.0.1:"));
}

}  // namespace
}  // namespace sightline::testing
