#include "sightline/domain/projection/projection.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "sightline/core/time.h"
#include "sightline/domain/events/effective.h"
#include "sightline/simulator/random.h"
#include "sightline/simulator/simulate.h"

namespace sightline::domain {
namespace {

namespace v1 = events::v1;
namespace pv = projections::v1;

std::map<std::string, std::vector<v1::Envelope>> ByChild(const std::vector<v1::Envelope>& all) {
  std::map<std::string, std::vector<v1::Envelope>> out;
  for (const auto& e : all) out[e.child_id()].push_back(e);
  return out;
}

std::string Bytes(const pv::ChildRecord& r) {
  std::string s;
  r.SerializeToString(&s);
  return s;
}

std::vector<v1::Envelope> Simulated() {
  SimulationParams p;
  p.seed = 11;
  p.start_day = std::chrono::sys_days{std::chrono::November / 2 / 2026};
  p.days = 20;
  p.contacts_per_day = 20;
  return Simulate(p);
}

TEST(ProjectionTest, ShuffledAndDuplicatedEventsGiveTheSameRecords) {
  Calendar cal;
  ProjectionPolicy policy;
  auto children = ByChild(Simulated());
  ASSERT_GT(children.size(), 50u);
  Rng rng(99);
  for (auto& [child, events] : children) {
    pv::ChildRecord clean = FoldChild(child, events, cal, policy);
    std::vector<v1::Envelope> messy = events;
    for (std::size_t i = 0; i < events.size(); i += 3) messy.push_back(events[i]);  // Duplicates.
    for (std::size_t i = messy.size(); i > 1; --i) std::swap(messy[i - 1], messy[rng.Below(i)]);
    ASSERT_EQ(Bytes(clean), Bytes(FoldChild(child, messy, cal, policy))) << child;
  }
}

// Feeds each child's events to a ChildFold one at a time, in the order given, as the live
// projector does; where Append refuses, folds the history so far afresh, as the projector does.
// At every step the record, copied or lent, must be FoldChild's of the events so far (and lending
// must give the chronology back). Returns {appended, refused}.
std::pair<int, int> FoldEventByEvent(const std::string& child,
                                     const std::vector<v1::Envelope>& events) {
  Calendar cal;
  ProjectionPolicy policy;
  std::vector<v1::Envelope> so_far = {events[0]};
  ChildFold fold(child, so_far, cal, policy);
  int appended = 0, refused = 0;
  for (std::size_t i = 1; i < events.size(); ++i) {
    std::string before = Bytes(fold.Record());
    so_far.push_back(events[i]);
    if (fold.Append(events[i])) {
      ++appended;
    } else {
      ++refused;
      EXPECT_EQ(Bytes(fold.Record()), before) << child << ": a refused event changed the fold";
      fold = ChildFold(child, so_far, cal, policy);
    }
    const std::string want = Bytes(FoldChild(child, so_far, cal, policy));
    fold.WithRecord([&](const pv::ChildRecord& lent) {
      EXPECT_EQ(Bytes(lent), want) << child << " after event " << i << " (lent chronology)";
    });
    EXPECT_EQ(Bytes(fold.Record()), want)
        << child << " after event " << i << " (" << events[i].event_id() << ")";
    if (::testing::Test::HasFailure()) break;
  }
  return {appended, refused};
}

TEST(ProjectionTest, AChildFoldTakingEventsOneByOneGivesTheWholeFoldAtEveryStep) {
  auto children = ByChild(Simulated());
  int appended = 0, refused = 0;
  for (auto& [child, events] : children) {
    auto [a, r] = FoldEventByEvent(child, events);
    appended += a;
    refused += r;
    ASSERT_FALSE(HasFailure());
  }
  // The simulated log is mostly in event order; some events are recorded late.
  EXPECT_GT(appended, 3 * refused) << appended << " appended, " << refused << " refused";
  EXPECT_GT(refused, 0);
}

TEST(ProjectionTest, AChildFoldStaysExactWithRefsMissingAndEventsOutOfOrder) {
  // Linking fills in ids an event lacks from the child's other events; an event that supplies an
  // id an earlier one looked for changes how that one links, so it must be refused.
  auto children = ByChild(Simulated());
  Rng rng(23);
  int appended = 0, refused = 0;
  for (auto& [child, original] : children) {
    std::vector<v1::Envelope> events = original;
    for (v1::Envelope& e : events) {
      v1::CaseRefs& r = *e.mutable_refs();
      if (rng.Chance(0.3)) r.clear_contact_id();
      if (rng.Chance(0.3)) r.clear_referral_id();
      if (rng.Chance(0.2)) r.clear_strategy_id();
      if (rng.Chance(0.2)) r.clear_assessment_id();
      if (rng.Chance(0.2)) r.clear_check_id();
    }
    for (std::size_t i = 1; i < events.size(); ++i)
      if (rng.Chance(0.15)) std::swap(events[i - 1], events[i]);
    auto [a, r] = FoldEventByEvent(child, events);
    appended += a;
    refused += r;
    ASSERT_FALSE(HasFailure());
  }
  EXPECT_GT(appended, refused) << appended << " appended, " << refused << " refused";
  EXPECT_GT(refused, 100) << appended << " appended, " << refused << " refused";
}

TEST(ProjectionTest, ASummaryHeadHasExactlyTheFilteredFieldsOfTheWholeSummary) {
  Calendar cal;
  ProjectionPolicy policy;
  auto children = ByChild(Simulated());
  int allocated = 0, restricted = 0, queued = 0, waiting = 0;
  for (auto& [child, events] : children) {
    pv::ChildSummary whole = Summarise(FoldChild(child, events, cal, policy));
    if (child.size() % 7 == 0) whole.set_restriction(v1::RESTRICTION_HIGH_PROFILE);
    std::string bytes = whole.SerializeAsString();
    pv::ChildSummary want;
    want.set_child_id(whole.child_id());
    want.set_restriction(whole.restriction());
    want.set_stage(whole.stage());
    want.set_rag(whole.rag());
    if (whole.has_allocation()) {
      want.mutable_allocation()->set_team_id(whole.allocation().team_id());
      want.mutable_allocation()->set_worker_id(whole.allocation().worker_id());
      allocated += !whole.allocation().worker_id().empty();
    }
    want.set_queue_team_id(whole.queue_team_id());
    if (whole.has_waiting_since()) *want.mutable_waiting_since() = whole.waiting_since();
    if (whole.has_decision_overdue_from())
      *want.mutable_decision_overdue_from() = whole.decision_overdue_from();
    waiting += whole.has_waiting_since() && whole.has_decision_overdue_from();
    restricted += whole.restriction() != v1::RESTRICTION_UNSPECIFIED;
    queued += !whole.queue_team_id().empty();
    pv::ChildSummary head;
    head.set_name("left over from the row before");
    ASSERT_TRUE(ParseSummaryHead(bytes, head)) << child;
    EXPECT_EQ(head.SerializeAsString(), want.SerializeAsString()) << child;
    // A cut row is refused exactly when the full parser refuses it (a cut between two fields is
    // itself a well-formed message).
    for (std::size_t cut : {bytes.size() / 3, bytes.size() / 2 + 1, bytes.size() - 1}) {
      std::string_view part = std::string_view(bytes).substr(0, cut);
      pv::ChildSummary full;
      EXPECT_EQ(ParseSummaryHead(part, head),
                full.ParseFromArray(part.data(), static_cast<int>(part.size())))
          << child << " cut at " << cut;
    }
  }
  EXPECT_GT(allocated, 0);
  EXPECT_GT(restricted, 0);
  EXPECT_GT(queued, 0);
  EXPECT_GT(waiting, 0);
}

v1::Envelope Event(const std::string& id, const char* at) {
  v1::Envelope e;
  e.set_event_id(id);
  e.set_child_id("c1");
  e.set_household_id("h1");
  *e.mutable_occurred_at() = ToTimestamp(Instant(*ParseDay(at)) + std::chrono::hours(10));
  *e.mutable_recorded_at() = e.occurred_at();
  e.mutable_actor()->set_user_id("u1");
  e.mutable_actor()->set_team_id("mash");
  e.mutable_refs()->set_contact_id("k1");
  return e;
}

v1::Envelope Contact(const std::string& id, const char* at) {
  v1::Envelope e = Event(id, at);
  e.mutable_contact_received()->set_source(v1::AGENCY_POLICE);
  e.mutable_contact_received()->add_concerns(v1::CONCERN_CATEGORY_NEGLECT);
  return e;
}

TEST(ProjectionTest, AContactWaitsUntilDecidedEvenWhenTheDecisionArrivesFirst) {
  Calendar cal;
  v1::Envelope contact = Contact("e1", "2026-11-20");
  v1::Envelope rag = Event("e2", "2026-11-20");
  rag.mutable_rag_rated()->set_rating(v1::RAG_RATING_RED);
  pv::ChildRecord waiting = FoldChild("c1", std::vector{contact, rag}, cal, {});
  ASSERT_EQ(waiting.awaiting_decision_size(), 1);
  EXPECT_EQ(waiting.stage(), pv::STAGE_AWAITING_DECISION);
  EXPECT_EQ(waiting.awaiting_decision(0).rag(), v1::RAG_RATING_RED);
  pv::ChildSummary s = Summarise(waiting);
  EXPECT_EQ(ToInstant(s.decision_overdue_from()),
            Instant(*ParseDay("2026-11-24")));  // Fri -> due Mon 23rd, overdue Tue 00:00 GMT.
  EXPECT_EQ(OwnedRowsOf(waiting, s).queue_keys_size(), 1);

  v1::Envelope decision = Event("e3", "2026-11-19");  // Recorded with an earlier time: a slip.
  decision.mutable_contact_decided()->set_decision(v1::CONTACT_DECISION_S17_ASSESSMENT);
  decision.mutable_refs()->set_referral_id("r1");
  pv::ChildRecord decided = FoldChild("c1", std::vector{decision, rag, contact}, cal, {});
  EXPECT_EQ(decided.awaiting_decision_size(), 0);
  EXPECT_EQ(decided.stage(), pv::STAGE_ASSESSMENT);
  ASSERT_EQ(decided.referrals_size(), 1);
  EXPECT_EQ(OwnedRowsOf(decided, Summarise(decided)).queue_keys_size(), 0);
}

TEST(ProjectionTest, CorrectionsRetractAndAmend) {
  Calendar cal;
  v1::Envelope contact = Contact("e1", "2026-11-20");
  v1::Envelope retract = Event("e9", "2026-11-21");
  retract.mutable_correction()->set_target_event_id("e1");
  retract.mutable_correction()->set_reason("Wrong child");
  retract.mutable_correction()->mutable_retract();
  pv::ChildRecord gone = FoldChild("c1", std::vector{retract, contact}, cal, {});
  EXPECT_EQ(gone.awaiting_decision_size(), 0);
  EXPECT_EQ(gone.contacts(), 0);
  ASSERT_EQ(gone.chronology_size(), 1);
  EXPECT_EQ(gone.chronology(0).type(), "correction");

  v1::Envelope amend = Event("e10", "2026-11-21");
  amend.mutable_correction()->set_target_event_id("e1");
  amend.mutable_correction()->set_reason("Source was a school");
  v1::Envelope fixed = contact;
  fixed.mutable_contact_received()->set_source(v1::AGENCY_SCHOOL);
  *amend.mutable_correction()->mutable_amended() = fixed;
  // The later correction (by recorded_at) wins: amended, not retracted.
  *amend.mutable_recorded_at() =
      ToTimestamp(ToInstant(retract.recorded_at()) + std::chrono::hours(1));
  pv::ChildRecord amended = FoldChild("c1", std::vector{contact, amend, retract}, cal, {});
  ASSERT_EQ(amended.awaiting_decision_size(), 1);
  EXPECT_EQ(amended.awaiting_decision(0).source(), v1::AGENCY_SCHOOL);
  bool marked = false;
  for (const auto& c : amended.chronology())
    marked = marked || (c.event_id() == "e1" && c.amended());
  EXPECT_TRUE(marked);
}

TEST(ProjectionTest, AChildFoldRefusesRepeatsCorrectionsAndTheEventsACorrectionTargets) {
  Calendar cal;
  ProjectionPolicy policy;  // Outlives the folds, which keep a reference.
  v1::Envelope contact = Contact("e1", "2026-11-20");
  v1::Envelope rag = Event("e2", "2026-11-21");
  rag.mutable_rag_rated()->set_rating(v1::RAG_RATING_RED);
  ChildFold fold("c1", std::vector{contact}, cal, policy);
  EXPECT_TRUE(fold.appendable());
  EXPECT_FALSE(fold.Append(contact)) << "a repeated id";
  EXPECT_TRUE(fold.Append(rag));
  EXPECT_FALSE(fold.Append(Contact("e0", "2026-11-19"))) << "earlier than the latest";
  EXPECT_EQ(fold.events(), 2u);
  v1::Envelope retract = Event("e9", "2026-11-22");
  retract.mutable_correction()->set_target_event_id("e1");
  retract.mutable_correction()->mutable_retract();
  EXPECT_FALSE(fold.Append(retract));
  EXPECT_EQ(Bytes(fold.Record()), Bytes(FoldChild("c1", std::vector{contact, rag}, cal, policy)));

  std::vector<v1::Envelope> corrected = {contact, retract};
  ChildFold whole("c1", corrected, cal, policy);
  EXPECT_FALSE(whole.appendable());
  EXPECT_FALSE(whole.Append(Contact("e11", "2026-11-23")));
  EXPECT_EQ(Bytes(whole.Record()), Bytes(FoldChild("c1", corrected, cal, policy)));
}

TEST(ProjectionTest, ReReferralsAndRepeatedFailedInterventionsAreFlagged) {
  Calendar cal;
  std::vector<v1::Envelope> events;
  const char* days[] = {"2025-03-03", "2026-01-05"};  // Second within 12 months of the first.
  for (int i = 0; i < 2; ++i) {
    v1::Envelope d = Event("d" + std::to_string(i), days[i]);
    d.mutable_refs()->set_contact_id("k" + std::to_string(i));
    d.mutable_refs()->set_referral_id("r" + std::to_string(i));
    d.mutable_contact_decided()->set_decision(v1::CONTACT_DECISION_S17_ASSESSMENT);
    events.push_back(d);
  }
  for (int i = 0; i < 2; ++i) {
    v1::Envelope s = Event("h" + std::to_string(i), i ? "2026-02-02" : "2025-04-01");
    s.mutable_refs()->set_early_help_id("eh" + std::to_string(i));
    s.mutable_early_help_started()->set_intervention(v1::INTERVENTION_PARENTING_PROGRAMME);
    events.push_back(s);
  }
  v1::Envelope closed = Event("h9", "2025-07-01");
  closed.mutable_refs()->set_early_help_id("eh0");
  closed.mutable_early_help_closed()->set_outcome(v1::EARLY_HELP_OUTCOME_NOT_EFFECTIVE);
  events.push_back(closed);
  pv::ChildRecord r = FoldChild("c1", events, cal, {});
  ASSERT_EQ(r.referrals_size(), 2);
  EXPECT_FALSE(r.referrals(0).re_referral());
  EXPECT_TRUE(r.referrals(1).re_referral());
  std::vector<std::string> flags(r.flags().begin(), r.flags().end());
  EXPECT_NE(std::find(flags.begin(), flags.end(), "re_referral"), flags.end());
  EXPECT_NE(std::find(flags.begin(), flags.end(), "failed_intervention_repeated"), flags.end());
}

// A reason typed with a right-to-left override (a note may hold one) would reorder the line's own
// words on screen: ") rehto (RAG overridden to red". The line keeps the reason's letters only.
TEST(ProjectionTest, AChronologyLineKeepsTypedTextFromReorderingItsOwnWords) {
  // U+202E, from its bytes: clang-tidy refuses a literal holding it (misleading-bidirectional).
  const std::string rlo = {static_cast<char>(0xE2), static_cast<char>(0x80),
                           static_cast<char>(0xAE)};
  v1::Envelope rag;
  rag.mutable_rag_rated()->set_rating(v1::RAG_RATING_RED);
  rag.mutable_rag_rated()->set_is_override(true);
  rag.mutable_rag_rated()->set_override_reason(rlo + "history");
  EXPECT_EQ(DescribeEvent(rag), "RAG overridden to red (history)");
  v1::Envelope seen;
  seen.mutable_child_seen()->set_context(v1::VISIT_CONTEXT_CHILD_PROTECTION);
  seen.mutable_child_seen()->set_status(v1::SEEN_STATUS_NOT_SEEN);
  seen.mutable_child_seen()->set_reason("no answer" + rlo);
  EXPECT_EQ(DescribeEvent(seen), "Visit (child protection): not seen - no answer");
}

TEST(ProjectionTest, QueueKeysSortRedFirstThenLongestWaiting) {
  auto summary = [](v1::RagRating rag, const char* day, const char* id) {
    pv::ChildSummary s;
    s.set_child_id(id);
    s.set_rag(rag);
    *s.mutable_waiting_since() = ToTimestamp(Instant(*ParseDay(day)));
    return keys::Queue(s);
  };
  std::vector<std::string> keys = {summary(v1::RAG_RATING_GREEN, "2026-11-01", "a"),
                                   summary(v1::RAG_RATING_RED, "2026-11-20", "b"),
                                   summary(v1::RAG_RATING_UNSPECIFIED, "2026-11-19", "c"),
                                   summary(v1::RAG_RATING_AMBER, "2026-11-02", "d"),
                                   summary(v1::RAG_RATING_RED, "2026-11-18", "e")};
  std::sort(keys.begin(), keys.end());
  std::string order;
  for (const auto& k : keys) order += k.back();
  EXPECT_EQ(order, "ebcda");
}

// An event that names a piece of work only by its own id takes the ids it lacks from the
// earliest event naming that piece of work with them, however many events name it.
TEST(ProjectionTest, ResolveLinksFromTheEarliestEventNamingTheWork) {
  auto event = [](const std::string& id, int day) {
    v1::Envelope e;
    e.set_event_id(id);
    e.set_child_id("c1");
    Instant at =
        Instant(std::chrono::sys_days{std::chrono::January / 5 / 2026}) + std::chrono::days(day);
    *e.mutable_occurred_at() = ToTimestamp(at);
    *e.mutable_recorded_at() = e.occurred_at();
    e.mutable_assessment_started();
    e.mutable_refs()->set_assessment_id("a1");
    return e;
  };
  std::vector<v1::Envelope> events;
  events.push_back(event("e-visit-early", 1));  // Names only the assessment: nothing to give.
  v1::Envelope first = event("e-first", 2);
  first.mutable_refs()->set_referral_id("r1");
  v1::Envelope second = event("e-second", 3);  // A later, conflicting referral: not taken.
  second.mutable_refs()->set_referral_id("r2");
  second.mutable_refs()->set_contact_id("k2");
  for (int day = 4; day < 200; ++day)
    events.push_back(event("e-visit-" + std::to_string(day), day));
  events.push_back(second);
  events.push_back(first);  // Input order does not matter: event time does.

  Effective eff = Resolve(events);
  ASSERT_EQ(eff.events.size(), events.size());
  for (const v1::Envelope* e : eff.events) {
    if (e->event_id() == "e-second") {
      EXPECT_EQ(e->refs().referral_id(), "r2");  // Its own ids stay.
      continue;
    }
    EXPECT_EQ(e->refs().referral_id(), "r1") << e->event_id();
    // Only "e-second" has a contact: it is the earliest (and only) one to give it.
    EXPECT_EQ(e->refs().contact_id(), "k2") << e->event_id();
  }
  EXPECT_EQ(eff.linked.size(), events.size() - 1);
}

}  // namespace
}  // namespace sightline::domain
