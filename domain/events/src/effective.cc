#include "sightline/domain/events/effective.h"

#include <algorithm>
#include <array>
#include <functional>
#include <map>
#include <optional>
#include <string_view>
#include <tuple>
#include <vector>

#include "sightline/core/time.h"

namespace sightline::domain {
namespace {

namespace v1 = events::v1;
using P = v1::Envelope::PayloadCase;

// A CaseRefs field that may be linked, read and written through its generated accessors (the fold
// runs this for every event of every child: reflection and string copies were most of its cost).
// `depth`: how deep in a child's story the id sits. An id may be filled in only from a deeper one
// (a piece of work names the work it belongs to, never its own sub-pieces).
struct Linkable {
  int depth = 0;
  const std::string& (v1::CaseRefs::*get)() const = nullptr;
  std::string* (v1::CaseRefs::*set)() = nullptr;
};

// Deepest first, in declaration order among equals. audit_id is not linked: a QA audit belongs
// to no case.
using R = v1::CaseRefs;
constexpr std::array<Linkable, 10> kLinkable = {{
    {7, &R::legal_case_id, &R::mutable_legal_case_id},
    {6, &R::plan_id, &R::mutable_plan_id},
    {5, &R::conference_id, &R::mutable_conference_id},
    {4, &R::s47_id, &R::mutable_s47_id},
    {3, &R::assessment_id, &R::mutable_assessment_id},
    {3, &R::strategy_id, &R::mutable_strategy_id},
    {3, &R::early_help_id, &R::mutable_early_help_id},
    {2, &R::referral_id, &R::mutable_referral_id},
    {2, &R::check_id, &R::mutable_check_id},
    {1, &R::contact_id, &R::mutable_contact_id},
}};

// The ids `refs` lacks, filled in as Effective says: for each missing id, deepest first, the
// deeper ids the event has (or has been given so far) are tried in turn, and the first that
// `lookup(by, id, missing)` answers gives the value. nullopt when nothing is filled. LinkIndex's
// lookup; Resolve links through a LinkIndex too.
template <class Lookup>
std::optional<v1::CaseRefs> LinkRefs(const v1::CaseRefs& original, Lookup&& lookup) {
  std::optional<v1::CaseRefs> linked;  // Copied only when an id is filled in.
  auto refs = [&]() -> const v1::CaseRefs& { return linked ? *linked : original; };
  for (std::size_t missing = 0; missing < kLinkable.size(); ++missing) {
    if (!(refs().*kLinkable[missing].get)().empty()) continue;
    for (std::size_t by = 0; by < kLinkable.size(); ++by) {
      if (kLinkable[by].depth <= kLinkable[missing].depth) break;
      const std::string& id = (refs().*kLinkable[by].get)();
      if (id.empty()) continue;
      const std::string* value = lookup(by, id, missing);
      if (value == nullptr) continue;
      if (!linked) linked.emplace(original);
      *((*linked).*kLinkable[missing].set)() = *value;
      break;
    }
  }
  return linked;
}

// Fills in the ids each event lacks (see Effective); events are in event-time order. Deeper ids
// are filled first, so a chain is followed: an s47 enquiry names its strategy discussion, which
// names the referral. The same LinkIndex the kept fold appends to, so that a whole fold and a
// kept one link alike by construction: every event's own refs first, then each event linked.
void Link(Effective& out) {
  LinkIndex index;
  for (const v1::Envelope* e : out.events) index.Add(e->refs());
  for (const v1::Envelope*& e : out.events) {
    std::optional<v1::CaseRefs> linked = index.Link(e->refs());
    if (!linked) continue;
    v1::Envelope& copy = out.linked.emplace_back(*e);
    *copy.mutable_refs() = std::move(*linked);
    e = &copy;
  }
}

}  // namespace

EventTime EventTimeOf(const v1::Envelope& e) {
  return {ToInstant(e.occurred_at()), ToInstant(e.recorded_at()), e.event_id()};
}

bool EventOrder(const v1::Envelope* a, const v1::Envelope* b) {
  return EventTimeOf(*a) < EventTimeOf(*b);
}

Effective Resolve(std::span<const v1::Envelope> input) {
  // Views into the input: ordered exactly as the ids themselves.
  std::map<std::string_view, const v1::Envelope*> by_id;
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
  std::map<std::string_view, const v1::Correction*> latest;  // Target id -> winning correction.
  for (const v1::Envelope* c : corrections)
    latest[c->correction().target_event_id()] = &c->correction();
  for (const auto& [id, e] : by_id) {
    if (e->payload_case() == P::kCorrection) continue;
    auto it = latest.find(id);
    if (it == latest.end()) {
      out.events.push_back(e);
    } else if (it->second->has_amended()) {
      out.events.push_back(&it->second->amended());
      out.amended.emplace(id);
    }
  }
  std::sort(out.events.begin(), out.events.end(), EventOrder);
  std::sort(corrections.begin(), corrections.end(), EventOrder);
  out.corrections = std::move(corrections);
  out.recorded = out.events;
  Link(out);
  return out;
}

namespace {
std::uint64_t MissHash(std::size_t by, std::string_view id, std::size_t missing) {
  return std::hash<std::string_view>{}(id)*31 + by * kLinkable.size() + missing;
}
}  // namespace

void LinkIndex::Add(const v1::CaseRefs& refs) {
  for (std::size_t f = 0; f < kLinkable.size(); ++f) {
    const std::string& id = (refs.*kLinkable[f].get)();
    if (id.empty()) continue;
    auto& first = first_[{static_cast<std::uint8_t>(f), id}];
    for (std::size_t g = 0; g < kLinkable.size(); ++g) {
      const std::string& v = (refs.*kLinkable[g].get)();
      if (v.empty()) continue;
      auto known = std::find_if(first.begin(), first.end(),
                                [&](const auto& field) { return field.first == g; });
      if (known == first.end()) first.emplace_back(static_cast<std::uint8_t>(g), v);
    }
  }
}

std::optional<v1::CaseRefs> LinkIndex::Link(const v1::CaseRefs& refs) {
  return LinkRefs(
      refs, [&](std::size_t by, const std::string& id, std::size_t missing) -> const std::string* {
        if (auto it = first_.find({static_cast<std::uint8_t>(by), id}); it != first_.end()) {
          for (const auto& [field, value] : it->second)
            if (field == missing) return &value;
        }
        misses_.insert(MissHash(by, id, missing));
        return nullptr;
      });
}

bool LinkIndex::FillsAMiss(const v1::CaseRefs& refs) const {
  for (std::size_t by = 0; by < kLinkable.size(); ++by) {
    const std::string& id = (refs.*kLinkable[by].get)();
    if (id.empty()) continue;
    for (std::size_t missing = 0; missing < kLinkable.size(); ++missing) {
      if (!(refs.*kLinkable[missing].get)().empty() && misses_.contains(MissHash(by, id, missing)))
        return true;
    }
  }
  return false;
}

}  // namespace sightline::domain
