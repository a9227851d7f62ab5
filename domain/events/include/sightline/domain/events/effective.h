// Which of a child's events count. The log keeps every event ever accepted; a Correction amends
// or retracts an earlier one, and the same event may arrive twice. Every reader of a child's
// history (the projection fold, the clocks) resolves it the same way, here.
#pragma once

#include <array>
#include <cstdint>
#include <list>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_set>
#include <vector>

#include "sightline/core/time.h"
#include "sightline/events/v1/envelope.pb.h"

namespace sightline::domain {

// Event-time order: occurred_at, then recorded_at, then event id (a total, deterministic order).
using EventTime = std::tuple<Instant, Instant, std::string_view>;
EventTime EventTimeOf(const events::v1::Envelope& e);
bool EventOrder(const events::v1::Envelope* a, const events::v1::Envelope* b);

// The events that count, after duplicates and corrections: amended events replace their
// originals, retracted ones disappear. Corrections stay listed (for the chronology). Pointers
// into the input (or into a correction's amended copy there, or into `linked`).
//
// Refs are linked: an event that names a piece of work only by its own id (an assessment
// completed with just its assessment_id, an s47 enquiry completed with just its s47_id) takes the
// ids it lacks from the child's events that name that piece of work with them (the assessment's
// start carries its referral). Only the ids a piece of work belongs to are filled (an assessment
// belongs to its referral, which belongs to its contact), never the other way: a visit recorded
// against a referral is not made a visit to some plan of it. Such events are copies in `linked`
// with the refs filled in, so every reader (the projection fold, the clocks) ties the completion to
// the same referral. The gateway accepts such events (validation requires only the event's own id);
// this is where they are tied back.
struct Effective {
  std::vector<const events::v1::Envelope*> events;       // Event-time order, no corrections.
  std::vector<const events::v1::Envelope*> corrections;  // Event-time order.
  std::set<std::string> amended;                         // Ids replaced by an amended copy.
  std::list<events::v1::Envelope> linked;                // Events whose refs were completed.
  std::vector<const events::v1::Envelope*> recorded;     // `events` as recorded, before linking.
};
Effective Resolve(std::span<const events::v1::Envelope> input);

// Linking (see Effective) kept for one child, so that an event later than every other can be
// linked alone, as Resolve would link it among them all. Add every event's own refs in
// event-time order, then Link each; an event added later gets Add, then Link.
class LinkIndex {
 public:
  // An event's own refs (as recorded, not linked), after every event added before.
  void Add(const events::v1::CaseRefs& refs);
  // `refs` with the ids it lacks filled in from the events added (nullopt when none is). Each
  // lookup that finds nothing is remembered (see FillsAMiss).
  std::optional<events::v1::CaseRefs> Link(const events::v1::CaseRefs& refs);
  // Whether an event with these refs, later than every other, would answer a lookup that found
  // nothing: an earlier event would then be linked differently, so the child's history must be
  // resolved again as a whole. (A lookup that found a value keeps it: the earliest event wins.)
  bool FillsAMiss(const events::v1::CaseRefs& refs) const;

 private:
  // (field, id) -> the first value of each field, among the events naming that id, that any of
  // them has: (field, value) pairs, in the order first seen (an event names few ids).
  std::map<std::pair<std::uint8_t, std::string>, std::vector<std::pair<std::uint8_t, std::string>>>
      first_;
  // The lookups that found nothing, as hashes of (by, id, missing): a collision can only make
  // FillsAMiss say yes needlessly, and a whole fold is always right.
  std::unordered_set<std::uint64_t> misses_;
};

}  // namespace sightline::domain
