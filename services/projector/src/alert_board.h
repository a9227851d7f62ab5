// The projector's alert board (issue 14): a second consumer, of sightline.alerts.v1, into a
// store of its own (<data_dir>/alerts; it is small and rebuilt by deleting it), so the triage API
// can show each child's open clocks and alerts, and an alerts panel, beside the case record.
// Column families:
//   alerts       clock_id -> AlertRow (every clock that ever alerted)
//   live         clock_id -> ""        (open or acknowledged: the panel)
//   by_child     child_id \0 clock_id -> ""
//   meta         the consumer shell's offsets rows
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "change_feed.h"
#include "sightline/consumer/shell.h"
#include "sightline/projections/v1/projections.pb.h"
#include "sightline/storage/store.h"

namespace sightline::projector {

namespace alerts_cf {
inline constexpr char kAlerts[] = "alerts";
inline constexpr char kLive[] = "live";
inline constexpr char kByChild[] = "by_child";
inline constexpr char kMeta[] = "meta";
}  // namespace alerts_cf

StatusOr<std::unique_ptr<storage::Store>> OpenAlertBoard(const std::string& path, bool sync);

struct AlertBatch : consumer::Batch {
  std::vector<std::string> children;  // Whose alerts changed.
};

class AlertBoardHandler final : public consumer::Handler<AlertBatch> {
 public:
  AlertBoardHandler(const storage::Store& store, ChangeFeed* feed) : store_(store), feed_(feed) {}
  StatusOr<AlertBatch> Prepare(std::span<const kafka::Record> records) override;
  void Committed(const AlertBatch& batch) override;

 private:
  const storage::Store& store_;
  ChangeFeed* feed_;
};

// Reads for the API.
StatusOr<std::vector<projections::v1::AlertRow>> LiveAlerts(const storage::Store& store);
StatusOr<std::vector<projections::v1::AlertRow>> AlertsOfChild(const storage::Store& store,
                                                               const std::string& child_id);
// Every row, in clock id order (resolved and cancelled ones too), for the line of sight.
Status ForEachAlert(const storage::Store& store,
                    const std::function<void(const projections::v1::AlertRow&)>& visit);
StatusOr<std::optional<projections::v1::AlertRow>> AlertOfClock(const storage::Store& store,
                                                                const std::string& clock_id);

}  // namespace sightline::projector
