// Which of a child's events count. The log keeps every event ever accepted; a Correction amends
// or retracts an earlier one, and the same event may arrive twice. Every reader of a child's
// history (the projection fold, the clocks) resolves it the same way, here.
#pragma once

#include <set>
#include <span>
#include <string>
#include <vector>

#include "sightline/events/v1/envelope.pb.h"

namespace sightline::domain {

// Event-time order: occurred_at, then recorded_at, then event id (a total, deterministic order).
bool EventOrder(const events::v1::Envelope* a, const events::v1::Envelope* b);

// The events that count, after duplicates and corrections: amended events replace their
// originals, retracted ones disappear. Corrections stay listed (for the chronology). Pointers
// into the input (or into a correction's amended copy there).
struct Effective {
  std::vector<const events::v1::Envelope*> events;       // Event-time order, no corrections.
  std::vector<const events::v1::Envelope*> corrections;  // Event-time order.
  std::set<std::string> amended;                         // Ids replaced by an amended copy.
};
Effective Resolve(std::span<const events::v1::Envelope> input);

// Resolve(events).events.
std::vector<const events::v1::Envelope*> EffectiveEvents(
    std::span<const events::v1::Envelope> events);

}  // namespace sightline::domain
