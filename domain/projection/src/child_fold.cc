#include <cstdint>
#include <functional>
#include <unordered_set>

#include "folder.h"
#include "sightline/domain/projection/projection.h"

namespace sightline::domain {

namespace v1 = events::v1;
namespace pv = projections::v1;
using fold_internal::Folder;

struct ChildFold::State {
  State(std::string_view child_id, const Calendar& calendar, const ProjectionPolicy& policy)
      : folder(child_id, calendar, policy) {}
  Folder folder;
  bool appendable = true;
  pv::ChildRecord finished;  // The record, when not appendable.
  LinkIndex links;
  // Hashes of the ids folded: a collision only refuses an event, which is then folded whole.
  std::unordered_set<std::uint64_t> ids;
  std::optional<std::tuple<Instant, Instant, std::string>> last;  // The latest event's time.

  // Whether `e` comes after every event folded.
  bool AfterLast(const v1::Envelope& e) const {
    if (!last) return true;
    const auto& [occurred, recorded, id] = *last;
    return EventTime(occurred, recorded, id) < EventTimeOf(e);
  }
  void SetLast(const v1::Envelope& e) {
    const auto [occurred, recorded, id] = EventTimeOf(e);
    last.emplace(occurred, recorded, std::string(id));
  }
};

namespace {
std::uint64_t IdHash(std::string_view id) { return std::hash<std::string_view>{}(id); }
}  // namespace

ChildFold::ChildFold(std::string_view child_id, std::span<const v1::Envelope> events,
                     const Calendar& calendar, const ProjectionPolicy& policy)
    : state_(std::make_unique<State>(child_id, calendar, policy)) {
  Effective eff = Resolve(events);
  state_->folder.Load(eff);
  if (!eff.corrections.empty()) {  // Rare: such a child is folded whole every time.
    state_->appendable = false;
    state_->finished = state_->folder.Record(eff);
    return;
  }
  // The link index takes the events' own refs, in event-time order, as Resolve's linking does.
  for (const v1::Envelope* e : eff.recorded) {
    state_->links.Add(e->refs());
    state_->ids.insert(IdHash(e->event_id()));
  }
  for (const v1::Envelope* e : eff.recorded) state_->links.Link(e->refs());
  if (!eff.recorded.empty()) state_->SetLast(*eff.recorded.back());
}

ChildFold::~ChildFold() = default;
ChildFold::ChildFold(const ChildFold& other) : state_(std::make_unique<State>(*other.state_)) {}
ChildFold::ChildFold(ChildFold&&) noexcept = default;
ChildFold& ChildFold::operator=(ChildFold&&) noexcept = default;

bool ChildFold::appendable() const { return state_->appendable; }
std::size_t ChildFold::events() const { return state_->ids.size(); }

bool ChildFold::Append(const v1::Envelope& event) {
  State& s = *state_;
  if (!s.appendable || event.has_correction() || s.ids.contains(IdHash(event.event_id())) ||
      !s.AfterLast(event) || s.links.FillsAMiss(event.refs()))
    return false;
  s.links.Add(event.refs());
  std::optional<v1::CaseRefs> linked = s.links.Link(event.refs());
  s.ids.insert(IdHash(event.event_id()));
  s.SetLast(event);
  if (!linked) {
    s.folder.Append(event);
    return true;
  }
  v1::Envelope copy = event;
  *copy.mutable_refs() = std::move(*linked);
  s.folder.Append(copy);
  return true;
}

void ChildFold::WithRecord(const std::function<void(const pv::ChildRecord&)>& use) const {
  if (!state_->appendable) return use(state_->finished);
  state_->folder.WithRecord(use);
}

pv::ChildRecord ChildFold::Record() const {
  if (!state_->appendable) return state_->finished;
  return state_->folder.Record(Effective{});
}

}  // namespace sightline::domain
