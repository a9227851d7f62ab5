#include "sightline/domain/projection/alert_board.h"

#include <algorithm>
#include <optional>
#include <tuple>

#include "sightline/core/time.h"

namespace sightline::domain {
namespace {

namespace av = alerts::v1;
namespace pv = projections::v1;

std::string StepWord(av::Step s) {
  switch (s) {
    case av::STEP_RAISED:
      return "raised";
    case av::STEP_ESCALATED:
      return "escalated";
    case av::STEP_ACKNOWLEDGED:
      return "acknowledged";
    case av::STEP_ACK_EXPIRED:
      return "acknowledgement lapsed";
    case av::STEP_RESOLVED:
      return "resolved";
    case av::STEP_CANCELLED:
      return "cancelled";
    default:
      return "";
  }
}

}  // namespace

bool IsLive(const pv::AlertRow& row) {
  return row.state() == pv::AlertRow::STATE_OPEN || row.state() == pv::AlertRow::STATE_ACKNOWLEDGED;
}

bool ApplyAlertStep(pv::AlertRow& row, const av::AlertEvent& e) {
  std::string word = StepWord(e.step());
  if (word.empty() || e.clock_id().empty()) return false;
  for (const pv::AlertRow::Step& h : row.history()) {
    if (h.event_id() == e.event_id()) return false;
  }
  if (row.clock_id().empty()) {
    row.set_clock_id(e.clock_id());
    row.set_child_id(e.child_id());
    row.set_rule_id(e.rule_id());
    row.set_anchor_event_id(e.anchor_event_id());
  }
  if (!e.subject().empty()) row.set_subject(e.subject());
  // Descriptive fields: the fullest copy wins (a retraction's cancellation carries fewer).
  if (!e.rule_title().empty()) row.set_rule_title(e.rule_title());
  if (!e.team_id().empty()) row.set_team_id(e.team_id());
  if (e.has_started_at()) *row.mutable_started_at() = e.started_at();
  if (e.has_due_at()) *row.mutable_due_at() = e.due_at();
  if (e.levels() > 0) row.set_levels(e.levels());
  row.set_urgent(row.urgent() || e.urgent());

  pv::AlertRow::Step* h = row.add_history();
  h->set_event_id(e.event_id());
  h->set_step(word);
  h->set_level(e.level());
  *h->mutable_at() = e.at();
  h->set_by(e.acknowledged_by());
  h->set_note(e.note());
  for (const std::string& r : e.paged_roles()) h->add_paged_roles(r);
  h->set_level_role(e.level_role());
  *h->mutable_on_call() = e.on_call();
  if (e.has_acknowledged_until()) *h->mutable_acknowledged_until() = e.acknowledged_until();
  auto& steps = *row.mutable_history();
  std::stable_sort(steps.begin(), steps.end(), [](const auto& a, const auto& b) {
    return std::tuple(ToInstant(a.at()), a.event_id()) <
           std::tuple(ToInstant(b.at()), b.event_id());
  });
  if (e.step() == av::STEP_RESOLVED || e.step() == av::STEP_CANCELLED) row.set_reason(e.reason());

  // The state: replay the history in time order. The first terminal step ends it (nothing after
  // it counts); the last terminal step says which end it was.
  pv::AlertRow::State state = pv::AlertRow::STATE_OPEN;
  std::optional<pv::AlertRow::State> end;
  int level = 0;
  for (const pv::AlertRow::Step& s : steps) {
    bool terminal = s.step() == "resolved" || s.step() == "cancelled";
    if (end && !terminal) continue;
    if (terminal) {
      if (!end) level = std::max(level, s.level());
      end = s.step() == "resolved" ? pv::AlertRow::STATE_RESOLVED : pv::AlertRow::STATE_CANCELLED;
      continue;
    }
    level = std::max(level, s.level());
    if (s.step() == "acknowledged") {
      state = pv::AlertRow::STATE_ACKNOWLEDGED;
      row.set_acknowledged_by(s.by());
      row.set_note(s.note());
      *row.mutable_acknowledged_until() = s.acknowledged_until();
    } else {
      // raised, escalated, acknowledgement lapsed. Who it pages: the newest page's (by step
      // time, so arrival order does not matter).
      state = pv::AlertRow::STATE_OPEN;
      if (s.step() == "raised") *row.mutable_raised_at() = s.at();
      row.set_level_role(s.level_role());
      *row.mutable_paged_roles() = s.paged_roles();
      *row.mutable_on_call() = s.on_call();
    }
  }
  if (end) state = *end;
  if (state != pv::AlertRow::STATE_ACKNOWLEDGED && state != pv::AlertRow::STATE_RESOLVED) {
    row.clear_acknowledged_by();
    row.clear_note();
  }
  if (state != pv::AlertRow::STATE_ACKNOWLEDGED) row.clear_acknowledged_until();
  row.set_state(state);
  row.set_level(std::max(level, 1));
  row.set_alert_id(e.clock_id() + "/L" + std::to_string(row.level()));
  *row.mutable_updated_at() = steps.rbegin()->at();
  return true;
}

}  // namespace sightline::domain
