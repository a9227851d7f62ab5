#include "sightline/domain/events/effective.h"

#include <algorithm>
#include <map>
#include <optional>
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

// CaseRefs' fields that may be linked, deepest first.
std::vector<const pb::FieldDescriptor*> LinkableFields() {
  const pb::Descriptor* d = v1::CaseRefs::descriptor();
  std::vector<const pb::FieldDescriptor*> out;
  for (int i = 0; i < d->field_count(); ++i) {
    if (Depth(d->field(i)->number()) > 0) out.push_back(d->field(i));
  }
  std::stable_sort(out.begin(), out.end(),
                   [](auto* a, auto* b) { return Depth(a->number()) > Depth(b->number()); });
  return out;
}

// Fills in the ids each event lacks (see Effective); events are in event-time order. Deeper ids
// are filled first, so a chain is followed: an s47 enquiry names its strategy discussion, which
// names the referral.
void Link(Effective& out) {
  static const std::vector<const pb::FieldDescriptor*> fields = LinkableFields();
  auto get = [](const v1::CaseRefs& r, const pb::FieldDescriptor* f) {
    return r.GetReflection()->GetString(r, f);
  };
  std::map<std::pair<int, std::string>, std::vector<const v1::Envelope*>> holders;
  for (const v1::Envelope* e : out.events) {
    for (const pb::FieldDescriptor* f : fields) {
      if (!get(e->refs(), f).empty()) holders[{f->number(), get(e->refs(), f)}].push_back(e);
    }
  }
  // The value of `missing` on the earliest event that shares `linked`'s id `by` and has one.
  auto find = [&](const v1::CaseRefs& linked, const pb::FieldDescriptor* by,
                  const pb::FieldDescriptor* missing) -> std::optional<std::string> {
    auto it = holders.find({by->number(), get(linked, by)});
    if (it == holders.end()) return std::nullopt;
    for (const v1::Envelope* h : it->second) {
      std::string v = get(h->refs(), missing);
      if (!v.empty()) return v;
    }
    return std::nullopt;
  };
  for (const v1::Envelope*& e : out.events) {
    v1::CaseRefs linked = e->refs();
    bool changed = false;
    for (const pb::FieldDescriptor* missing : fields) {
      if (!get(linked, missing).empty()) continue;
      for (const pb::FieldDescriptor* by : fields) {
        if (Depth(by->number()) <= Depth(missing->number())) break;
        if (get(linked, by).empty()) continue;
        if (auto v = find(linked, by, missing)) {
          linked.GetReflection()->SetString(&linked, missing, *v);
          changed = true;
          break;
        }
      }
    }
    if (!changed) continue;
    v1::Envelope& copy = out.linked.emplace_back(*e);
    *copy.mutable_refs() = std::move(linked);
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
  Link(out);
  return out;
}

}  // namespace sightline::domain
