#include "sightline/domain/events/effective.h"

#include <algorithm>
#include <map>
#include <tuple>

#include "sightline/core/time.h"

namespace sightline::domain {
namespace {

namespace v1 = events::v1;
using P = v1::Envelope::PayloadCase;

}  // namespace

bool EventOrder(const v1::Envelope* a, const v1::Envelope* b) {
  auto ka = std::tuple(ToInstant(a->occurred_at()), ToInstant(a->recorded_at()), a->event_id());
  auto kb = std::tuple(ToInstant(b->occurred_at()), ToInstant(b->recorded_at()), b->event_id());
  return ka < kb;
}

Effective Resolve(std::span<const v1::Envelope> input) {
  std::map<std::string, const v1::Envelope*> by_id;
  for (const v1::Envelope& e : input) {
    auto [it, fresh] = by_id.emplace(e.event_id(), &e);
    if (!fresh && EventOrder(&e, it->second)) it->second = &e;  // Deterministic pick.
  }
  Effective out;
  std::vector<const v1::Envelope*> corrections;
  for (const auto& [id, e] : by_id) {
    if (e->payload_case() == P::kCorrection) corrections.push_back(e);
  }
  std::sort(corrections.begin(), corrections.end(), [](auto* a, auto* b) {
    return std::tuple(ToInstant(a->recorded_at()), a->event_id()) <
           std::tuple(ToInstant(b->recorded_at()), b->event_id());
  });
  std::map<std::string, const v1::Correction*> latest;  // Target id -> winning correction.
  for (const v1::Envelope* c : corrections)
    latest[c->correction().target_event_id()] = &c->correction();
  for (const auto& [id, e] : by_id) {
    if (e->payload_case() == P::kCorrection) continue;
    auto it = latest.find(id);
    if (it == latest.end()) {
      out.events.push_back(e);
    } else if (it->second->has_amended()) {
      out.events.push_back(&it->second->amended());
      out.amended.insert(id);
    }
  }
  std::sort(out.events.begin(), out.events.end(), EventOrder);
  std::sort(corrections.begin(), corrections.end(), EventOrder);
  out.corrections = std::move(corrections);
  return out;
}

std::vector<const v1::Envelope*> EffectiveEvents(std::span<const v1::Envelope> events) {
  return Resolve(events).events;
}

}  // namespace sightline::domain
