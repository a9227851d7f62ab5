// What a batch costs the live projector per changed child, by the length of the child's history
// (ADR 0023): folding the whole history again (parse every stored event, then FoldChild), against
// the child's kept fold taking the new event (ChildFold::Append, then WithRecord). Both size the
// record for writing, as the applier's serialization does. In-process, no
// broker and no store: the fold alone. Two histories of one child:
//   contacts: repeated contacts, each rated, sent for checks and decided, a week apart;
//   visits:   one contact, then a child protection plan's visits a week apart, each naming only
//             the plan (the fold links them back to the contact; ADR 0023's addendum).
// Numbers only: nothing here asserts a time.
#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "bench_util.h"
#include "sightline/core/time.h"
#include "sightline/domain/projection/projection.h"

using namespace sightline;
namespace v1 = events::v1;
using Clock = bench::SteadyClock;

namespace {

Instant Week(int n, int hour) {
  return Instant(std::chrono::sys_days{std::chrono::January / 5 / 2015}) +
         std::chrono::days(7 * n) + std::chrono::hours(hour);
}

v1::Envelope Base(int n, Instant at) {
  v1::Envelope e;
  e.set_event_id("ev-" + std::to_string(n));
  e.set_child_id("child-1");
  e.set_household_id("household-1");
  *e.mutable_occurred_at() = ToTimestamp(at);
  *e.mutable_recorded_at() = e.occurred_at();
  e.mutable_actor()->set_user_id("worker-1");
  e.mutable_actor()->set_team_id("mash");
  return e;
}

// The n-th event of the "contacts" history: contacts a week apart, each rated, checked, decided.
v1::Envelope ContactEvent(int n) {
  const int contact = n / 4;
  v1::Envelope e = Base(n, Week(contact, 9 + n % 4));
  e.mutable_refs()->set_contact_id("contact-" + std::to_string(contact));
  switch (n % 4) {
    case 0:
      e.mutable_contact_received()->set_source(v1::AGENCY_SCHOOL);
      e.mutable_contact_received()->add_concerns(v1::CONCERN_CATEGORY_NEGLECT);
      e.mutable_contact_received()->set_summary("Came to school hungry again");
      break;
    case 1:
      e.mutable_rag_rated()->set_rating(v1::RAG_RATING_AMBER);
      break;
    case 2:
      e.mutable_refs()->set_check_id("check-" + std::to_string(contact));
      e.mutable_partner_check_requested()->set_partner(v1::AGENCY_HEALTH_GP);
      break;
    default:
      e.mutable_contact_decided()->set_decision(v1::CONTACT_DECISION_NO_FURTHER_ACTION);
      break;
  }
  return e;
}

// The n-th event of the "visits" history: the contact that opened the plan, then its visits.
v1::Envelope VisitEvent(int n) {
  v1::Envelope e = Base(n, Week(n, 10));
  e.mutable_refs()->set_plan_id("plan-1");
  if (n == 0) {
    e.mutable_refs()->set_contact_id("contact-1");
    e.mutable_refs()->set_referral_id("referral-1");
    e.mutable_contact_received()->set_source(v1::AGENCY_POLICE);
    e.mutable_contact_received()->add_concerns(v1::CONCERN_CATEGORY_PHYSICAL_ABUSE);
    return e;
  }
  e.mutable_child_seen()->set_status(v1::SEEN_STATUS_SEEN_ALONE);
  e.mutable_child_seen()->set_context(v1::VISIT_CONTEXT_CHILD_PROTECTION);
  return e;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<int> lengths = {10, 100, 1000};
  double seconds = 1.0;
  CLI::App app{"A changed child's fold: whole history vs the kept fold"};
  app.add_option("--lengths", lengths, "History lengths (events)")->check(CLI::Range(4, 100000));
  app.add_option("--seconds", seconds, "Time per measurement")->check(CLI::Range(0.05, 60.0));
  CLI11_PARSE(app, argc, argv);

  domain::Calendar calendar;
  domain::ProjectionPolicy policy;
  std::printf("%-9s %-9s %16s %16s %8s\n", "history", "events", "whole fold (us)", "kept fold (us)",
              "ratio");
  for (const auto& [shape, Event] :
       {std::pair{"contacts", &ContactEvent}, std::pair{"visits", &VisitEvent}})
    for (int length : lengths) {
      std::vector<std::string> stored;  // The history as the store holds it.
      for (int n = 0; n < length; ++n) stored.push_back(Event(n).SerializeAsString());
      const v1::Envelope next = Event(length);

      // Whole: parse every stored event, add the new one, fold.
      int whole_runs = 0;
      std::size_t sink = 0;
      auto t = Clock::now();
      do {
        std::vector<v1::Envelope> events(stored.size());
        for (std::size_t i = 0; i < stored.size(); ++i) events[i].ParseFromString(stored[i]);
        events.push_back(next);
        sink += domain::FoldChild("child-1", events, calendar, policy).ByteSizeLong();
        ++whole_runs;
      } while (bench::Since(t) < seconds);
      double whole_us = bench::Since(t) * 1e6 / whole_runs;

      // Kept: the fold of the history (built once, outside the timing) takes the new event.
      std::vector<v1::Envelope> history;
      for (const std::string& bytes : stored) history.emplace_back().ParseFromString(bytes);
      const domain::ChildFold built("child-1", history, calendar, policy);
      int kept_runs = 0;
      double kept_s = 0;
      while (kept_s < seconds) {
        domain::ChildFold fold = built;  // Untimed: each run appends to the same history.
        auto k = Clock::now();
        if (!fold.Append(next)) return std::fprintf(stderr, "append refused\n"), 1;
        fold.WithRecord([&](const projections::v1::ChildRecord& r) {
          sink += r.ByteSizeLong();  // The applier serializes it.
        });
        kept_s += bench::Since(k);
        ++kept_runs;
      }
      double kept_us = kept_s * 1e6 / kept_runs;
      std::printf("%-9s %-9d %16.1f %16.1f %8.1f\n", shape, length, whole_us, kept_us,
                  whole_us / kept_us);
      if (sink == 0) return 1;
    }
  return 0;
}
