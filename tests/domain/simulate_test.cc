#include "sightline/simulator/simulate.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "sightline/domain/events/codec.h"
#include "sightline/domain/events/validation.h"

namespace sightline::domain {
namespace {

namespace v1 = events::v1;

SimulationParams Month(std::uint64_t seed) {
  SimulationParams p;
  p.seed = seed;
  p.days = 30;
  p.contacts_per_day = 60;
  return p;
}

std::string Serialise(const std::vector<v1::Envelope>& events) {
  std::string out;
  for (const auto& e : events) out += EventToJson(e) + "\n";
  return out;
}

TEST(Simulate, SameSeedSameBytesOtherSeedOtherBytes) {
  EXPECT_EQ(Serialise(Simulate(Month(7))), Serialise(Simulate(Month(7))));
  EXPECT_NE(Serialise(Simulate(Month(7))), Serialise(Simulate(Month(8))));
}

TEST(Simulate, EveryEventIsValidUniqueAndInsideThePeriod) {
  SimulationParams p = Month(3);
  auto events = Simulate(p);
  Instant end = p.start_day + std::chrono::days(p.days);
  std::set<std::string> ids;
  Instant last_recorded{};
  for (const auto& e : events) {
    FieldErrors errors = ValidateEvent(e, end, ValidationLimits{});
    ASSERT_TRUE(errors.empty()) << EventToJson(e) << "\n" << errors[0].ToString();
    EXPECT_TRUE(ids.insert(e.event_id()).second) << "duplicate id " << e.event_id();
    EXPECT_LT(ToInstant(e.recorded_at()), end);
    EXPECT_GE(ToInstant(e.recorded_at()), last_recorded) << "not in recorded order";
    last_recorded = ToInstant(e.recorded_at());
  }
}

TEST(Simulate, ModelsTheFrontDoorThatInspectorsDescribe) {
  auto events = Simulate(Month(11));
  std::map<std::string, int> by_type;
  std::set<v1::Agency> sources;
  std::map<v1::RagRating, int> rag;
  std::map<std::string, std::set<std::string>> contacts_per_child;
  std::map<std::string, Instant> contact_time;
  int late_decisions = 0, unsuitable = 0, failed_early_help = 0, refused = 0, overrides = 0;
  for (const auto& e : events) {
    by_type[std::string(*EventTypeName(e))]++;
    if (e.has_contact_received()) {
      sources.insert(e.contact_received().source());
      contacts_per_child[e.child_id()].insert(e.refs().contact_id());
      contact_time[e.child_id() + e.refs().contact_id()] = ToInstant(e.occurred_at());
    }
    if (e.has_rag_rated()) {
      rag[e.rag_rated().rating()]++;
      overrides += e.rag_rated().is_override();
    }
    if (e.has_contact_decided()) {
      auto waited = ToInstant(e.occurred_at()) - contact_time[e.child_id() + e.refs().contact_id()];
      late_decisions += waited > std::chrono::days(3);
    }
    unsuitable += e.has_accommodation_recorded() &&
                  e.accommodation_recorded().suitability() == v1::SUITABILITY_UNSUITABLE;
    failed_early_help += e.has_early_help_closed() &&
                         e.early_help_closed().outcome() != v1::EARLY_HELP_OUTCOME_EFFECTIVE;
    refused += e.has_child_seen() && e.child_seen().status() == v1::SEEN_STATUS_ACCESS_REFUSED;
  }
  int repeat_children = 0;
  for (const auto& [child, contacts] : contacts_per_child) repeat_children += contacts.size() > 1;

  EXPECT_GE(sources.size(), 8u) << "contacts from police, schools, health, anonymous, ...";
  EXPECT_EQ(rag.size(), 4u) << "red, amber, green and blue ratings";
  EXPECT_GT(rag[v1::RAG_RATING_GREEN], rag[v1::RAG_RATING_RED]);
  EXPECT_GT(overrides, 0);
  EXPECT_GT(late_decisions, 0) << "some children wait too long for a decision";
  EXPECT_GT(repeat_children, 0) << "repeat referrals";
  EXPECT_GT(by_type["sibling_linked"], 0);
  EXPECT_GT(by_type["plan_started"], 0);
  EXPECT_GT(by_type["strategy_discussion_held"], 0);
  EXPECT_GT(failed_early_help, 0);
  EXPECT_GT(unsuitable, 0) << "care leavers in unsuitable accommodation";
  EXPECT_GT(refused, 0) << "access to the child refused";
}

TEST(Simulate, RejectsOutOfRangeParameters) {
  SimulationParams p;
  p.days = 0;
  p.contacts_per_day = -1;
  p.id_prefix = "bad prefix";
  auto errors = ValidateSimulationParams(p);
  ASSERT_EQ(errors.size(), 3u);
  EXPECT_EQ(errors[0].field, "days");
  EXPECT_EQ(errors[1].field, "contacts_per_day");
  EXPECT_EQ(errors[2].field, "id_prefix");
  EXPECT_TRUE(ValidateSimulationParams(SimulationParams{}).empty());
}

}  // namespace
}  // namespace sightline::domain
