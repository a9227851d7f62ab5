// The gateway's request logic with a fake EventSink: no broker, no HTTP socket.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "config.h"
#include "heartbeat.h"
#include "ingest.h"
#include "process.h"
#include "sightline/config/policy_file.h"
#include "sightline/crypto/digest.h"

namespace sightline::gateway {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

class FakeSink : public EventSink {
 public:
  std::vector<kafka::Delivery> Write(std::span<const events::v1::Envelope> events) override {
    std::vector<kafka::Delivery> out;
    for (const auto& e : events) {
      written.push_back(e.event_id());
      if (fail_from >= 0 && static_cast<int>(written.size()) > fail_from) {
        out.push_back({Unavailable("broker down"), -1, -1});
      } else {
        out.push_back({Status::Ok(), 0, static_cast<std::int64_t>(written.size() - 1)});
      }
    }
    return out;
  }
  // With answer_late set, Kafka "answers" only when the test calls AnswerLate.
  std::optional<std::vector<kafka::Delivery>> WriteWithin(
      std::span<const events::v1::Envelope> events, std::chrono::milliseconds wait,
      const Late& late) override {
    if (!answer_late) return EventSink::WriteWithin(events, wait, late);
    late_deliveries = Write(events);
    late_ = late;
    return std::nullopt;
  }
  void AnswerLate(bool ok) {
    if (!ok) {
      for (kafka::Delivery& d : late_deliveries) d = {Unavailable("purged"), -1, -1};
    }
    late_(late_deliveries);
  }
  Status Ready() override { return ready; }
  std::vector<std::string> written;
  int fail_from = -1;
  bool answer_late = false;
  std::vector<kafka::Delivery> late_deliveries;
  Late late_;
  Status ready = Status::Ok();
};

std::string Contact(const std::string& id, const std::string& child = "child-1") {
  return R"({"eventId":")" + id + R"(","childId":")" + child +
         R"(","occurredAt":"2026-11-20T09:00:00Z","actor":{"userId":"u1","role":"ROLE_MASH_PRACTITIONER"},"sourceAgency":"AGENCY_POLICE","refs":{"contactId":"c"},"contactReceived":{"source":"AGENCY_POLICE","concerns":["CONCERN_CATEGORY_NEGLECT"]}})";
}

class RecordingAudit final : public audit_log::AuditSink {
 public:
  Status Record(const audit::v1::AccessAudited& e) override {
    events.push_back(e);
    return Status::Ok();
  }
  std::vector<audit::v1::AccessAudited> events;
};

// Static tokens of the fixture's callers (32+ characters, as the authenticator demands).
std::string TokenOf(const std::string& who) { return "test-token-of-" + who + "-0123456789abcdef"; }

identity::AuthOptions Callers() {
  identity::AuthOptions o;
  auto add = [&o](const std::string& id, std::optional<domain::UserRole> role, std::string team,
                  std::string agency) {
    identity::StaticToken t;
    t.principal.subject = id;
    t.principal.role = role;
    t.principal.team_id = std::move(team);
    t.principal.agency = std::move(agency);
    t.token_sha256 = crypto::Sha256Hex(TokenOf(id));
    o.tokens.push_back(t);
  };
  add("u1", domain::UserRole::kMashPractitioner, "", "");
  add("sw1", domain::UserRole::kSocialWorker, "team-2", "");
  add("police-feed", std::nullopt, "", "AGENCY_POLICE");
  add("tm1", domain::UserRole::kTeamManager, "team-2", "");
  add("sm1", domain::UserRole::kServiceManager, "svc", "");
  add("hos1", domain::UserRole::kHeadOfService, "svc", "");
  add("sm-north", domain::UserRole::kServiceManager, "svc", "");  // On the on-call rota.
  add("m2", domain::UserRole::kMashPractitioner, "mash", "");
  add("m3", domain::UserRole::kMashPractitioner, "mash", "");
  return o;
}

class Ingest : public ::testing::Test {
 protected:
  http::Response Post(const std::string& body, const std::string& type,
                      const std::string& who = "u1") {
    http::Request r;
    r.method = "POST";
    r.body = body;
    r.headers.emplace("content-type", type);
    if (!who.empty()) r.headers.emplace("authorization", "Bearer " + TokenOf(who));
    return handler_.PostEvents(r);
  }
  FakeSink sink_;
  ManualClock clock_{std::chrono::sys_days{std::chrono::November / 23 / 2026}};
  GatewayMetrics metrics_;
  std::unique_ptr<identity::Authenticator> auth_ =
      identity::Authenticator::Create(Callers(), clock_).value();
  RecordingAudit audit_;
  std::string dir_ = sightline::testing::TempDir("ingest-ids");
  std::unique_ptr<IdLedger> ids_ = IdLedger::Open(dir_).value();
  IngestHandler handler_{sink_,
                         clock_,
                         metrics_,
                         *auth_,
                         audit_,
                         *ids_,
                         IngestOptions{.limits = {},
                                       .max_batch_events = 3,
                                       .writes = domain::DefaultWritePolicy(),
                                       .service_name = "sightline-gateway",
                                       .max_audited_refusals = 2}};
};

TEST_F(Ingest, CallersMustAuthenticateAndRefusalsAreAudited) {
  auto r = Post(Contact("ev-1"), "application/json", "");
  EXPECT_EQ(r.status, 401);
  EXPECT_THAT(r.body, HasSubstr("missing bearer token"));
  ASSERT_EQ(audit_.events.size(), 1u);
  EXPECT_EQ(audit_.events[0].outcome(), audit::v1::OUTCOME_UNAUTHENTICATED);
  EXPECT_EQ(audit_.events[0].endpoint(), "POST /v1/events");
  EXPECT_TRUE(sink_.written.empty());
}

TEST_F(Ingest, TheCredentialDecidesTheActor) {
  // Claiming to be someone else: 403, audited with who tried and what.
  std::string as_other = Contact("ev-1");
  as_other.replace(as_other.find("\"u1\""), 4, "\"tm9\"");
  auto r = Post(as_other, "application/json");
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_THAT(r.body, HasSubstr("actor.user_id"));
  ASSERT_EQ(audit_.events.size(), 1u);
  EXPECT_EQ(audit_.events[0].outcome(), audit::v1::OUTCOME_DENIED_NOT_PERMITTED);
  EXPECT_EQ(audit_.events[0].user_id(), "u1");
  EXPECT_EQ(audit_.events[0].event_id(), "ev-1");
  EXPECT_EQ(audit_.events[0].event_type(), "contact_received");
  // A social worker may not send a contact (the write matrix), nor anyone a heartbeat.
  EXPECT_EQ(Post(Contact("ev-2"), "application/json", "sw1").status, 403);
  // A batch of refusals is answered whole but audited only up to the bound, the last record
  // saying that more were refused.
  audit_.events.clear();
  r = Post(Contact("ev-4") + "\n" + Contact("ev-5") + "\n" + Contact("ev-6"),
           "application/x-ndjson", "sw1");
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(json::parse(r.body)["refused"].size(), 3u);
  ASSERT_EQ(audit_.events.size(), 2u);
  EXPECT_THAT(audit_.events[1].detail(), HasSubstr("any later ones are not"));
  EXPECT_TRUE(sink_.written.empty());
  // A partner system's contact records the partner as actor and source.
  std::string anonymous =
      R"({"eventId":"ev-3","childId":"child-1","occurredAt":"2026-11-20T09:00:00Z","refs":{"contactId":"c"},"contactReceived":{"concerns":["CONCERN_CATEGORY_NEGLECT"]}})";
  r = Post(anonymous, "application/json", "police-feed");
  EXPECT_EQ(r.status, 202) << r.body;
}

TEST_F(Ingest, SingleEventAcceptedWithPartitionAndOffset) {
  auto r = Post(Contact("ev-1"), "Application/JSON; charset=utf-8");  // Media types ignore case.
  ASSERT_EQ(r.status, 202) << r.body;
  json body = json::parse(r.body);
  EXPECT_EQ(body["events"][0]["event_id"], "ev-1");
  EXPECT_EQ(body["events"][0]["offset"], 0);
  EXPECT_EQ(sink_.written, std::vector<std::string>{"ev-1"});
}

TEST_F(Ingest, BatchIsAllOrNothing) {
  std::string bad = Contact("ev-3");
  bad.replace(bad.find("AGENCY_POLICE"), 13, "AGENCY_UNSPECIFIED");
  auto r = Post(Contact("ev-1") + "\n\n" + bad + "\n", "application/x-ndjson");
  ASSERT_EQ(r.status, 400);
  json body = json::parse(r.body);
  ASSERT_EQ(body["rejected"].size(), 1u);
  EXPECT_EQ(body["rejected"][0]["line"], 3);
  EXPECT_EQ(body["rejected"][0]["event_id"], "ev-3");
  EXPECT_EQ(body["rejected"][0]["errors"][0]["field"], "source_agency");
  EXPECT_TRUE(sink_.written.empty()) << "nothing may be written when any event is invalid";
}

TEST_F(Ingest, RepeatedEventIdInOneBatchIsRejected) {
  auto r = Post(Contact("ev-1") + "\n" + Contact("ev-1", "child-2"), "application/x-ndjson");
  ASSERT_EQ(r.status, 400);
  EXPECT_THAT(r.body, HasSubstr("repeated in this batch (first on line 1)"));
}

TEST_F(Ingest, LimitsAndMediaTypes) {
  EXPECT_EQ(Post(Contact("a") + "\n" + Contact("b") + "\n" + Contact("c") + "\n" + Contact("d"),
                 "application/x-ndjson")
                .status,
            413);
  EXPECT_EQ(Post(Contact("a"), "text/csv").status, 415);
  EXPECT_EQ(Post("   \n", "application/json").status, 400);
  EXPECT_TRUE(sink_.written.empty());
}

TEST_F(Ingest, KafkaFailureIs503SayingWhatWasWritten) {
  sink_.fail_from = 1;
  auto r = Post(Contact("ev-1") + "\n" + Contact("ev-2"), "application/x-ndjson");
  ASSERT_EQ(r.status, 503);
  EXPECT_EQ(r.headers.at("Retry-After"), "5");
  json body = json::parse(r.body);
  EXPECT_TRUE(body["events"][0].contains("offset"));
  EXPECT_EQ(body["events"][1]["written"], false);
  EXPECT_THAT(body["message"].get<std::string>(), HasSubstr("1 of 2 events were not written"));
}

// Issue 17: a broker lost its quorum, so Kafka has not answered by the time the request must be
// answered. The event may yet be written: its id stays held (a resend is 503, never a second
// copy) until Kafka answers; written, a resend is a duplicate; refused, a resend writes it.
TEST_F(Ingest, AnEventKafkaHasNotAnsweredKeepsItsIdUntilItDoes) {
  sink_.answer_late = true;
  auto r = Post(Contact("ev-1"), "application/json");
  EXPECT_EQ(r.status, 503) << r.body;
  EXPECT_THAT(r.body, HasSubstr("still being tried"));
  sink_.answer_late = false;
  r = Post(Contact("ev-1"), "application/json");
  EXPECT_EQ(r.status, 503) << r.body;  // Held: being written by the first request.
  EXPECT_EQ(sink_.written.size(), 1u);
  sink_.AnswerLate(true);
  r = Post(Contact("ev-1"), "application/json");
  EXPECT_EQ(r.status, 202) << r.body;
  EXPECT_THAT(r.body, HasSubstr("\"duplicate\":true"));
  EXPECT_EQ(sink_.written.size(), 1u);

  sink_.answer_late = true;
  EXPECT_EQ(Post(Contact("ev-2"), "application/json").status, 503);
  sink_.answer_late = false;
  sink_.AnswerLate(false);
  r = Post(Contact("ev-2"), "application/json");
  EXPECT_EQ(r.status, 202) << r.body;
  EXPECT_THAT(r.body, ::testing::Not(HasSubstr("duplicate")));
  EXPECT_EQ(sink_.written.size(), 3u);  // ev-1 once; ev-2 refused, then written.
}

TEST_F(Ingest, AResentEventIsADuplicateNotWrittenTwice) {
  ASSERT_EQ(Post(Contact("ev-1"), "application/json").status, 202);
  auto r = Post(Contact("ev-1"), "application/json");
  ASSERT_EQ(r.status, 202) << r.body;
  EXPECT_EQ(json::parse(r.body)["events"][0]["duplicate"], true);
  EXPECT_EQ(sink_.written, std::vector<std::string>{"ev-1"});
  // After a failed write the id is free: resending the batch writes what was missing only.
  sink_.fail_from = 2;  // ev-2 is written, ev-3 is not.
  ASSERT_EQ(Post(Contact("ev-2") + "\n" + Contact("ev-3"), "application/x-ndjson").status, 503);
  sink_.fail_from = -1;
  r = Post(Contact("ev-2") + "\n" + Contact("ev-3"), "application/x-ndjson");
  ASSERT_EQ(r.status, 202) << r.body;
  EXPECT_EQ(json::parse(r.body)["events"][0]["duplicate"], true);
  EXPECT_EQ(sink_.written, (std::vector<std::string>{"ev-1", "ev-2", "ev-3", "ev-3"}));
}

TEST_F(Ingest, AnEventIdCannotBeSquattedOrReused) {
  // The police feed writes ev-9 first; a practitioner sending ev-9 (whatever it says) gets 409.
  std::string police =
      R"({"eventId":"ev-9","childId":"child-1","occurredAt":"2026-11-20T09:00:00Z","refs":{"contactId":"c"},"contactReceived":{"concerns":["CONCERN_CATEGORY_SEXUAL_ABUSE"]}})";
  ASSERT_EQ(Post(police, "application/json", "police-feed").status, 202);
  auto r = Post(Contact("ev-9"), "application/json");
  ASSERT_EQ(r.status, 409) << r.body;
  EXPECT_THAT(r.body, HasSubstr("already belongs to another client"));
  ASSERT_EQ(audit_.events.size(), 1u);
  EXPECT_EQ(audit_.events[0].outcome(), audit::v1::OUTCOME_DENIED_CONFLICT);
  EXPECT_EQ(audit_.events[0].user_id(), "u1");
  EXPECT_EQ(audit_.events[0].event_id(), "ev-9");
  // The owner reusing its id for other content: 409 too, and nothing of the batch is written.
  std::string changed = police;
  changed.replace(changed.find("SEXUAL_ABUSE"), 12, "NEGLECT");
  r = Post(changed, "application/json", "police-feed");
  ASSERT_EQ(r.status, 409) << r.body;
  EXPECT_THAT(r.body, HasSubstr("other content"));
  r = Post(Contact("ev-10") + "\n" + Contact("ev-9"), "application/x-ndjson");
  ASSERT_EQ(r.status, 409);
  EXPECT_EQ(sink_.written, std::vector<std::string>{"ev-9"});
  // ev-10 was released, not kept: the practitioner may still write it.
  EXPECT_EQ(Post(Contact("ev-10"), "application/json").status, 202);
  // Owners are kept on disk: a restarted gateway still knows them.
  ids_.reset();
  auto reopened = IdLedger::Open(dir_);
  ASSERT_TRUE(reopened.ok()) << reopened.status().message();
  std::string ev9 = "ev-9", x = "x", none;
  auto claim = reopened.value()->TakeAll({{&ev9, &x, &none}}, "u1");
  ASSERT_TRUE(claim.ok());
  EXPECT_EQ(claim.value().at(0).kind, ClaimKind::kConflict);
}

// A request's ids are claimed together: ids in flight (another request's, or an earlier copy in
// the same request) are busy or conflicts; stored ones are duplicates or conflicts and are not
// left reserved; released ones are free again.
TEST(IdLedgerClaims, TakeAllReservesFreshIdsAndLetsGoOfTheRest) {
  auto ledger = IdLedger::Open(sightline::testing::TempDir("ledger-take-all")).value();
  std::string a = "ev-a", b = "ev-b", c = "ev-c", team = "mash";
  std::string d1 = "d1", d2 = "d2", d3 = "d3", other = "other", changed_digest = "changed";
  auto kinds = [](const StatusOr<std::vector<Claim>>& claims) {
    std::vector<ClaimKind> out;
    for (const Claim& claim : claims.value()) out.push_back(claim.kind);
    return out;
  };
  auto first = ledger->TakeAll({{&a, &d1, &team}, {&b, &d2, &team}, {&a, &d1, &team}}, "u1");
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(kinds(first),
            (std::vector<ClaimKind>{ClaimKind::kFresh, ClaimKind::kFresh, ClaimKind::kBusy}));
  // In flight: the same content from the same client waits; anyone else's is a conflict.
  auto meanwhile = ledger->TakeAll({{&a, &d1, &team}, {&b, &other, &team}, {&c, &d3, &team}}, "u1");
  EXPECT_EQ(kinds(meanwhile),
            (std::vector<ClaimKind>{ClaimKind::kBusy, ClaimKind::kConflict, ClaimKind::kFresh}));
  EXPECT_EQ(kinds(ledger->TakeAll({{&a, &d1, &team}}, "u2")),
            std::vector<ClaimKind>{ClaimKind::kConflict});
  // a is written, b and c are not: a is stored for good, b and c are free again.
  ASSERT_TRUE(ledger->Settle({a, b}, {true, false}).ok());
  ASSERT_TRUE(ledger->Settle({c}, {false}).ok());
  for (int round = 0; round < 2; ++round) {  // Twice: a stored id is never left reserved.
    auto later = ledger->TakeAll({{&a, &d1, &team}}, "u1");
    EXPECT_EQ(kinds(later), std::vector<ClaimKind>{ClaimKind::kDuplicate}) << round;
  }
  auto others = ledger->TakeAll({{&a, &changed_digest, &team}, {&a, &d1, &team}}, "u2");
  EXPECT_EQ(kinds(others), (std::vector<ClaimKind>{ClaimKind::kConflict, ClaimKind::kConflict}));
  EXPECT_NE(others.value()[0].detail.find("another client"), std::string::npos);
  auto changed = ledger->TakeAll({{&a, &changed_digest, &team}}, "u1");
  EXPECT_NE(changed.value()[0].detail.find("other content"), std::string::npos);
  EXPECT_EQ(kinds(ledger->TakeAll({{&b, &d2, &team}, {&c, &d3, &team}}, "u1")),
            (std::vector<ClaimKind>{ClaimKind::kFresh, ClaimKind::kFresh}));
  auto author = ledger->AuthorOf(a);
  ASSERT_TRUE(author.ok() && author.value());
  EXPECT_EQ(author.value()->owner, "u1");
  EXPECT_EQ(author.value()->team, "mash");
}

TEST_F(Ingest, OnlyTheRoleAnAlertLevelIsRoutedToMayAcknowledgeIt) {
  auto policy =
      config::LoadPolicy(sightline::testing::SourceDir() + "/deploy/watchdog-policy.yaml");
  ASSERT_TRUE(policy.ok()) << policy.status().message();
  auto shared = std::make_shared<domain::ClockPolicy>(std::move(policy).value());
  IngestHandler acks(sink_, clock_, metrics_, *auth_, audit_, *ids_,
                     IngestOptions{.limits = {},
                                   .max_batch_events = 3,
                                   .writes = domain::DefaultWritePolicy(),
                                   .service_name = "sightline-gateway",
                                   .max_audited_refusals = 2,
                                   .acknowledgers = [shared](std::string_view alert) {
                                     return domain::WhoMayAcknowledge(*shared, alert);
                                   }});
  int n = 0;
  auto ack = [&](const std::string& who, const std::string& level,
                 const std::string& rule = "contact-decision") {
    http::Request r;
    r.method = "POST";
    r.body =
        R"({"eventId":"ack-)" + std::to_string(++n) +
        R"(","childId":"child-1","occurredAt":"2026-11-20T09:00:00Z","sourceAgency":"AGENCY_CHILDRENS_SOCIAL_CARE","alertAcknowledged":{"alertId":")" +
        rule + "/child-1/ev-1/" + level + R"(","note":"on it"}})";
    r.headers.emplace("content-type", "application/json");
    r.headers.emplace("authorization", "Bearer " + TokenOf(who));
    return acks.PostEvents(r);
  };
  // The front-door ladder: team manager, service manager, head of service, director.
  auto first = ack("tm1", "L1");
  EXPECT_EQ(first.status, 202) << first.body;
  auto r = ack("sm1", "L1");
  EXPECT_EQ(r.status, 403);
  EXPECT_THAT(r.body, HasSubstr("routed to team_manager"));
  EXPECT_EQ(ack("tm1", "L2").status, 403);
  EXPECT_EQ(ack("sm1", "L2").status, 202);
  EXPECT_EQ(ack("hos1", "L3").status, 202);
  EXPECT_EQ(ack("hos1", "L4").status, 202) << "heads of service answer for the director";
  EXPECT_EQ(ack("tm1", "L9").status, 403);
  EXPECT_EQ(audit_.events.back().outcome(), audit::v1::OUTCOME_DENIED_NOT_PERMITTED);
  // An urgent rule's level 1 pages the emergency duty team and the on-call manager out of hours:
  // the people on those rotas may acknowledge it; another service manager may not.
  EXPECT_EQ(ack("sm-north", "L1", "contact-decision-red").status, 202);
  r = ack("sm1", "L1", "contact-decision-red");
  EXPECT_EQ(r.status, 403);
  EXPECT_THAT(r.body, HasSubstr("its on-call rotas"));
  // A rule that is not urgent pages nobody out of hours: the rota is no way in.
  EXPECT_EQ(ack("sm-north", "L1").status, 403);
  // An alert id no rule of the policy makes is refused, not guessed at.
  http::Request bogus;
  bogus.method = "POST";
  bogus.body =
      R"({"eventId":"ack-x","childId":"child-1","occurredAt":"2026-11-20T09:00:00Z","sourceAgency":"AGENCY_CHILDRENS_SOCIAL_CARE","alertAcknowledged":{"alertId":"no-such-rule/child-1/ev-1/L1"}})";
  bogus.headers.emplace("content-type", "application/json");
  bogus.headers.emplace("authorization", "Bearer " + TokenOf("tm1"));
  EXPECT_EQ(acks.PostEvents(bogus).status, 403);
}

TEST_F(Ingest, PractitionersCorrectOnlyTheirOwnTeamsEventsAndManagersAny) {
  json contact = json::parse(Contact("ev-c"));
  contact.erase("actor");  // m2's own contact, as the token says.
  ASSERT_EQ(Post(contact.dump(), "application/json", "m2").status, 202);
  int n = 0;
  auto retract = [&](const std::string& who, const std::string& target) {
    json fix = {
        {"eventId", "fix-" + std::to_string(++n)},
        {"childId", "child-1"},
        {"occurredAt", "2026-11-20T10:00:00Z"},
        {"sourceAgency", "AGENCY_CHILDRENS_SOCIAL_CARE"},
        {"correction",
         {{"targetEventId", target}, {"reason", "entered twice"}, {"retract", json::object()}}}};
    return Post(fix.dump(), "application/json", who);
  };
  auto r = retract("m3", "ev-c");
  EXPECT_EQ(r.status, 202) << "a colleague in the MASH team: " << r.body;
  r = retract("sw1", "ev-c");
  EXPECT_EQ(r.status, 403);
  EXPECT_THAT(r.body, HasSubstr("another team"));
  EXPECT_EQ(retract("tm1", "ev-c").status, 202) << "a manager corrects any record";
  r = retract("m3", "ev-never-seen");
  EXPECT_EQ(r.status, 403);
  EXPECT_THAT(r.body, HasSubstr("a manager must correct it"));
}

TEST_F(Ingest, ReadinessFollowsTheSink) {
  EXPECT_EQ(handler_.Ready().status, 200);
  sink_.ready = Unavailable("no broker");
  auto r = handler_.Ready();
  EXPECT_EQ(r.status, 503);
  EXPECT_THAT(r.body, HasSubstr("no broker"));
}

TEST(GatewayConfig, TheSampleConfigIsValid) {
  auto yaml = config::YamlReader::FromFile(testing::SourceDir() + "/deploy/gateway.yaml");
  ASSERT_TRUE(yaml.ok()) << yaml.status().message();
  GatewayConfig c;
  Status s = ReadGatewayConfig(yaml.value(), c);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(c.topic, "sightline.events.v1");
  EXPECT_EQ(c.produce_timeout.count(), 10000);
}

TEST(GatewayConfig, BadValuesNameTheKey) {
  auto yaml = config::YamlReader::FromString(
      "kafka:\n  produce_timeout_ms: 5\n  brokers: ''\nhttp:\n  port: 8080\n  treads: 4\n",
      "g.yaml");
  GatewayConfig c;
  Status s = ReadGatewayConfig(yaml.value(), c);
  EXPECT_THAT(s.message(), HasSubstr("kafka.produce_timeout_ms: must be between 100 and 600000"));
  EXPECT_THAT(s.message(), HasSubstr("kafka.brokers: must name at least one host:port"));
  EXPECT_THAT(s.message(), HasSubstr("http.treads: unknown key"));
}

TEST(GatewayConfig, EnvironmentThenFlagsOverrideTheFile) {
  GatewayConfig c;
  Overrides o;
  o.env = {{"SIGHTLINE_KAFKA_BROKERS", "env:9092"},
           {"SIGHTLINE_KAFKA_PROPERTIES", "security.protocol=ssl;ssl.ca.location=/ca.pem"}};
  o.kafka_properties = {"sasl.mechanism=PLAIN"};
  ASSERT_TRUE(ApplyOverrides(o, c).ok());
  EXPECT_EQ(c.brokers, "env:9092");
  EXPECT_EQ(c.kafka_properties.at("ssl.ca.location"), "/ca.pem");
  EXPECT_EQ(c.kafka_properties.at("sasl.mechanism"), "PLAIN");
  o.brokers = "flag:9092";
  ASSERT_TRUE(ApplyOverrides(o, c).ok());
  EXPECT_EQ(c.brokers, "flag:9092");
  o.kafka_properties = {"novalue"};
  EXPECT_THAT(ApplyOverrides(o, c).message(), HasSubstr("--kafka-property: 'novalue'"));
}

TEST(Heartbeat, BeatIsAValidEventAboutNoChild) {
  Instant now = std::chrono::sys_days{std::chrono::November / 23 / 2026};
  events::v1::Envelope beat = MakeHeartbeat("gateway-a", 7, std::chrono::seconds(30), now);
  EXPECT_TRUE(domain::ValidateEvent(beat, now, {}).empty());
  EXPECT_TRUE(beat.child_id().empty());
  EXPECT_EQ(beat.pipeline_heartbeat().sequence(), 7);
  EXPECT_EQ(beat.pipeline_heartbeat().interval_seconds(), 30);
  EXPECT_NE(MakeHeartbeat("gateway-a", 8, std::chrono::seconds(30), now).event_id(),
            beat.event_id());
  // On the log (key = child_id = "") it passes the consumers' record check.
  domain::LogRecord r = domain::CheckLogRecord("", beat.SerializeAsString(), now);
  EXPECT_TRUE(r.ok()) << r.reason << ": " << r.detail;
  // A case event without a child, or a beat naming one, is refused.
  beat.set_child_id("child-1");
  EXPECT_THAT(
      domain::ValidateEvent(beat, now, {}),
      ::testing::Contains(FieldError{"child_id", "must be empty: a heartbeat is about no child"}));
}

TEST(Heartbeat, WrittenEveryIntervalUntilStopped) {
  FakeSink sink;
  ManualClock clock{std::chrono::sys_days{std::chrono::November / 23 / 2026}};
  {
    Heartbeat beat(sink, clock, "gateway-a", std::chrono::seconds(3600));
    ASSERT_TRUE(testing::WaitFor([&] { return beat.sent() == 1; }, std::chrono::seconds(10)));
  }  // Stopping does not wait for the next interval.
  ASSERT_EQ(sink.written.size(), 1u);
  EXPECT_THAT(sink.written[0], HasSubstr("heartbeat-gateway-a-"));
}

TEST_F(Ingest, ClientsCannotSendHeartbeats) {
  auto r = Post(
      R"({"eventId":"hb-1","occurredAt":"2026-11-20T09:00:00Z","actor":{"userId":"u1","role":"ROLE_SYSTEM"},"pipelineHeartbeat":{"source":"x","sequence":1,"intervalSeconds":30}})",
      "application/json");
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_THAT(r.body, HasSubstr("sent by the gateway itself"));
  EXPECT_TRUE(sink_.written.empty());
}

}  // namespace
}  // namespace sightline::gateway
