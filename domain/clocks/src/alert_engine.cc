// The in-memory AlertEngine (clocks.h): the backtest's and the tests' watchdog.
#include "sightline/domain/clocks/clocks.h"
#include "sightline/domain/clocks/subjects.h"

namespace sightline::domain {

namespace v1 = events::v1;
namespace av = alerts::v1;
namespace wv = watchdog::v1;

std::vector<av::AlertEvent> AlertEngine::Apply(std::span<const v1::Envelope> events,
                                               Instant horizon, Instant emitted_at) {
  std::set<std::string> touched;
  std::map<std::string, std::vector<v1::Envelope>> fresh;
  for (const v1::Envelope& e : events) {
    if (!event_ids_.insert(e.child_id() + '\0' + e.event_id()).second) continue;
    fresh[e.child_id()].push_back(e);
  }
  // Copies for households, teams and areas first: they point into the child's stored events.
  for (const auto& [child, batch] : fresh) {
    std::vector<v1::Envelope>& stored = events_[child];
    for (const StreamCopy& copy : SubjectCopies(policy_, stored, batch)) {
      if (!event_ids_.insert(copy.stream + '\0' + copy.event->event_id()).second) continue;
      events_[copy.stream].push_back(*copy.event);
      touched.insert(copy.stream);
    }
    if (child.empty()) continue;  // An acknowledgement about no child: only its subject's.
    stored.insert(stored.end(), batch.begin(), batch.end());
    touched.insert(child);
  }
  std::vector<av::AlertEvent> out;
  for (const std::string& child : touched) {
    auto emitted = Reconcile(child, horizon, emitted_at);
    out.insert(out.end(), emitted.begin(), emitted.end());
  }
  return out;
}

std::vector<av::AlertEvent> AlertEngine::Tick(Instant now) {
  std::vector<std::string> due;
  for (auto it = wakes_.begin(); it != wakes_.end() && it->first <= now; ++it) {
    due.push_back(it->second);
  }
  std::vector<av::AlertEvent> out;
  for (const std::string& child : due) {
    auto emitted = Reconcile(child, now, now);
    out.insert(out.end(), emitted.begin(), emitted.end());
  }
  return out;
}

std::vector<av::AlertEvent> AlertEngine::Reconcile(const std::string& child, Instant horizon,
                                                   Instant emitted_at) {
  Reconciled r =
      ReconcileChild(policy_, child, events_[child], ledgers_[child], horizon, emitted_at);
  ledgers_[child] = std::move(r.ledger);
  if (auto it = wake_of_.find(child); it != wake_of_.end()) {
    wakes_.erase({it->second, child});
    wake_of_.erase(it);
  }
  std::optional<Instant> wake;
  for (const wv::Deadline& d : r.open) {
    if (!d.has_next_wake()) continue;
    Instant w = ToInstant(d.next_wake());
    if (!wake || w < *wake) wake = w;
  }
  if (wake) {
    wake_of_[child] = *wake;
    wakes_.insert({*wake, child});
  }
  open_[child] = std::move(r.open);
  return std::move(r.emit);
}

std::vector<wv::Deadline> AlertEngine::OpenClocks() const {
  std::vector<wv::Deadline> out;
  for (const auto& [child, open] : open_) out.insert(out.end(), open.begin(), open.end());
  return out;
}

}  // namespace sightline::domain
