// How one child's events become that child's record and the rows it owns in shared indexes.
//
// The record is a pure function of the child's *set* of events: FoldChild sorts by event time
// (occurred_at, then recorded_at, then event_id), drops duplicate event ids, and applies
// corrections (the latest correction of an event by recorded_at wins) before folding. So an
// event that arrives late, twice or out of order ends in the same record as the in-order stream,
// which is what makes the projector's exactly-once, order-tolerant guarantee cheap to keep.
//
// Pure and deterministic: no clock, no I/O. Thread-compatible.
#pragma once

#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sightline/domain/calendar/calendar.h"
#include "sightline/events/v1/envelope.pb.h"
#include "sightline/projections/v1/projections.pb.h"

namespace sightline::domain {

// Clock lengths used for the record's open-clock summary ([guidance] defaults; configurable).
struct ProjectionPolicy {
  int decision_working_days = 1;     // Referral decision within 1 working day of receipt.
  int assessment_working_days = 45;  // Assessment within 45 working days of the referral.
  int conference_working_days = 15;  // Initial conference within 15 working days of strategy.
  int re_referral_months = 12;       // A referral within 12 months of another is a re-referral.
};

projections::v1::ChildRecord FoldChild(std::string_view child_id,
                                       std::span<const events::v1::Envelope> events,
                                       const Calendar& calendar, const ProjectionPolicy& policy);

// A child's fold that takes further events without its history read again: the live
// projector keeps those of its hot children (ADR 0023). Built from the whole history (any
// order, duplicates allowed), it gives FoldChild's record. Append takes one more event only
// when the record then stays what FoldChild of the whole history with it gives: the event is
// later in event time than every other, repeats no id, is not a correction, and fills in no id
// an earlier event's linking looked for; a history with a correction takes none. Otherwise
// Append changes nothing and returns false, and the caller folds the whole history again.
// Thread-compatible (see WithRecord); the calendar and policy must outlive it.
class ChildFold {
 public:
  ChildFold(std::string_view child_id, std::span<const events::v1::Envelope> events,
            const Calendar& calendar, const ProjectionPolicy& policy);
  ~ChildFold();
  ChildFold(const ChildFold& other);
  ChildFold(ChildFold&&) noexcept;
  ChildFold& operator=(ChildFold&&) noexcept;

  bool appendable() const;
  std::size_t events() const;  // Event ids folded (when appendable; by hash, see Append).
  bool Append(const events::v1::Envelope& event);
  projections::v1::ChildRecord Record() const;
  // Calls `use` with the record, without copying the chronology (the longest part of a long
  // history): it is lent to the record for the call. Not for two threads at once, even on a
  // const fold.
  void WithRecord(const std::function<void(const projections::v1::ChildRecord&)>& use) const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// The small per-child copy used by the queue, line of sight and access checks.
projections::v1::ChildSummary Summarise(const projections::v1::ChildRecord& record);

// From a serialized ChildSummary, only what the queue filters, access checks and waiting figures
// read: child_id, restriction, stage, rag, allocation (team and worker), waiting_since,
// decision_overdue_from and queue_team_id, into `head` (cleared first). Every other field is
// skipped unread, so a long history of decisions and audits costs nothing. False when the bytes are
// not a well-formed message.
bool ParseSummaryHead(std::string_view bytes, projections::v1::ChildSummary& head);

// A plain-language line for the chronology ("Contact from police: neglect"). Typed text set in it
// (an override's reason) loses its bidirectional controls, which would reorder the line's own
// words on screen.
std::string DescribeEvent(const events::v1::Envelope& event);

// Keys of the shared indexes. Byte strings that sort as the API lists them.
namespace keys {
// Queue order: red, then not yet rated, amber, green, blue; then longest waiting first.
int QueueRank(events::v1::RagRating rag);
std::string Queue(const projections::v1::ChildSummary& s);
std::string Household(std::string_view household_id, std::string_view child_id);
std::string Name(std::string_view name, std::string_view child_id);
std::string NamePrefix(std::string_view name_prefix);
// A sibling link row of `child` to `sibling`, written by the fold of `declarer`.
std::string Link(std::string_view child, std::string_view sibling, std::string_view declarer);
// The parts of a Link key: {child, sibling, declarer}.
std::vector<std::string> SplitKey(std::string_view key);
}  // namespace keys

// The index rows one child's record owns (keys only; values are the summary or a relation).
projections::v1::OwnedRows OwnedRowsOf(const projections::v1::ChildRecord& record,
                                       const projections::v1::ChildSummary& summary);

}  // namespace sightline::domain
