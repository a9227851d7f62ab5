#include "sightline/domain/events/effective.h"

#include <algorithm>
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
namespace pb = google::protobuf;

// How deep in a child's story each id sits: an id may be filled in only from a deeper one (a
// piece of work names the work it belongs to, never its own sub-pieces). 0: never filled.
int Depth(int field_number) {
  switch (field_number) {
    case v1::CaseRefs::kContactIdFieldNumber:
      return 1;
    case v1::CaseRefs::kReferralIdFieldNumber:
    case v1::CaseRefs::kCheckIdFieldNumber:
      return 2;
    case v1::CaseRefs::kAssessmentIdFieldNumber:
    case v1::CaseRefs::kStrategyIdFieldNumber:
    case v1::CaseRefs::kEarlyHelpIdFieldNumber:
      return 3;
    case v1::CaseRefs::kS47IdFieldNumber:
      return 4;
    case v1::CaseRefs::kConferenceIdFieldNumber:
      return 5;
    case v1::CaseRefs::kPlanIdFieldNumber:
      return 6;
    case v1::CaseRefs::kLegalCaseIdFieldNumber:
      return 7;
    default:
      return 0;  // audit_id: a QA audit belongs to no case.
  }
}

// A CaseRefs field that may be linked, read and written through its generated accessors (the fold
// runs this for every event of every child: reflection and string copies were most of its cost).
struct Linkable {
  int number = 0;
  int depth = 0;
  const std::string& (v1::CaseRefs::*get)() const = nullptr;
  std::string* (v1::CaseRefs::*set)() = nullptr;
};

Linkable Accessors(int number) {
  using R = v1::CaseRefs;
  switch (number) {
    case R::kContactIdFieldNumber:
      return {number, Depth(number), &R::contact_id, &R::mutable_contact_id};
    case R::kReferralIdFieldNumber:
      return {number, Depth(number), &R::referral_id, &R::mutable_referral_id};
    case R::kCheckIdFieldNumber:
      return {number, Depth(number), &R::check_id, &R::mutable_check_id};
    case R::kAssessmentIdFieldNumber:
      return {number, Depth(number), &R::assessment_id, &R::mutable_assessment_id};
    case R::kStrategyIdFieldNumber:
      return {number, Depth(number), &R::strategy_id, &R::mutable_strategy_id};
    case R::kEarlyHelpIdFieldNumber:
      return {number, Depth(number), &R::early_help_id, &R::mutable_early_help_id};
    case R::kS47IdFieldNumber:
      return {number, Depth(number), &R::s47_id, &R::mutable_s47_id};
    case R::kConferenceIdFieldNumber:
      return {number, Depth(number), &R::conference_id, &R::mutable_conference_id};
    case R::kPlanIdFieldNumber:
      return {number, Depth(number), &R::plan_id, &R::mutable_plan_id};
    case R::kLegalCaseIdFieldNumber:
      return {number, Depth(number), &R::legal_case_id, &R::mutable_legal_case_id};
    default:
      return {};
  }
}

// CaseRefs' fields that may be linked, deepest first (declaration order among equals).
std::vector<Linkable> LinkableFields() {
  const pb::Descriptor* d = v1::CaseRefs::descriptor();
  std::vector<Linkable> out;
  for (int i = 0; i < d->field_count(); ++i) {
    if (Depth(d->field(i)->number()) > 0) out.push_back(Accessors(d->field(i)->number()));
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const Linkable& a, const Linkable& b) { return a.depth > b.depth; });
  return out;
}

// Fills in the ids each event lacks (see Effective); events are in event-time order. Deeper ids
// are filled first, so a chain is followed: an s47 enquiry names its strategy discussion, which
// names the referral.
void Link(Effective& out) {
  static const std::vector<Linkable> fields = LinkableFields();
  // (field, id) -> the events naming that id, in event-time order. The views point into the
  // input events, which outlive this function.
  std::map<std::pair<int, std::string_view>, std::vector<const v1::Envelope*>> holders;
  for (const v1::Envelope* e : out.events) {
    for (const Linkable& f : fields) {
      const std::string& id = (e->refs().*f.get)();
      if (!id.empty()) holders[{f.number, id}].push_back(e);
    }
  }
  for (const v1::Envelope*& e : out.events) {
    std::optional<v1::CaseRefs> linked;  // Copied only when an id is filled in.
    auto refs = [&]() -> const v1::CaseRefs& { return linked ? *linked : e->refs(); };
    for (const Linkable& missing : fields) {
      if (!(refs().*missing.get)().empty()) continue;
      for (const Linkable& by : fields) {
        if (by.depth <= missing.depth) break;
        const std::string& id = (refs().*by.get)();
        if (id.empty()) continue;
        auto it = holders.find({by.number, id});
        if (it == holders.end()) continue;
        // The value of `missing` on the earliest event that shares this id and has one.
        const std::string* value = nullptr;
        for (const v1::Envelope* h : it->second) {
          const std::string& v = (h->refs().*missing.get)();
          if (!v.empty()) {
            value = &v;
            break;
          }
        }
        if (value == nullptr) continue;
        if (!linked) linked.emplace(e->refs());
        *((*linked).*missing.set)() = *value;
        break;
      }
    }
    if (!linked) continue;
    v1::Envelope& copy = out.linked.emplace_back(*e);
    *copy.mutable_refs() = std::move(*linked);
    e = &copy;
  }
}

}  // namespace

bool EventOrder(const v1::Envelope* a, const v1::Envelope* b) {
  auto ka = std::tuple(ToInstant(a->occurred_at()), ToInstant(a->recorded_at()), a->event_id());
  auto kb = std::tuple(ToInstant(b->occurred_at()), ToInstant(b->recorded_at()), b->event_id());
  return ka < kb;
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
  Link(out);
  return out;
}

}  // namespace sightline::domain
