// The in-memory AlertEngine (clocks.h): the backtest's and the tests' watchdog.
#include "sightline/domain/clocks/clocks.h"

namespace sightline::domain {

namespace v1 = events::v1;
namespace av = alerts::v1;
namespace wv = watchdog::v1;

std::vector<av::AlertEvent> AlertEngine::Apply(std::span<const v1::Envelope> events,
                                               Instant horizon, Instant emitted_at) {
  std::set<std::string> touched;
  for (const v1::Envelope& e : events) {
    if (!event_ids_.insert(e.event_id()).second) continue;
    events_[e.child_id()].push_back(e);
    touched.insert(e.child_id());
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
