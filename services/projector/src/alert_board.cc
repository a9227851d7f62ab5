#include "alert_board.h"

#include <map>

#include "sightline/alerts/v1/alerts.pb.h"
#include "sightline/domain/projection/alert_board.h"

namespace sightline::projector {
namespace {

namespace pv = projections::v1;
namespace av = alerts::v1;

std::string ChildKey(const std::string& child, const std::string& clock) {
  std::string k = child;
  k.push_back('\0');
  return k + clock;
}

StatusOr<std::optional<pv::AlertRow>> Read(const storage::Store& store, const std::string& id) {
  auto raw = store.Get(alerts_cf::kAlerts, id);
  if (!raw.ok()) return raw.status();
  if (!raw.value()) return std::optional<pv::AlertRow>();
  pv::AlertRow row;
  if (!row.ParseFromString(*raw.value())) return Internal("alert row " + id + " does not parse");
  return std::optional<pv::AlertRow>(std::move(row));
}

// The rows of `ids` that exist, in that order.
StatusOr<std::vector<pv::AlertRow>> ReadAll(const storage::Store& store,
                                            const std::vector<std::string>& ids) {
  std::vector<pv::AlertRow> out;
  for (const std::string& id : ids) {
    auto row = Read(store, id);
    if (!row.ok()) return row.status();
    if (row.value()) out.push_back(std::move(*row.value()));
  }
  return out;
}

}  // namespace

StatusOr<std::unique_ptr<storage::Store>> OpenAlertBoard(const std::string& path, bool sync) {
  return storage::Store::Open({.path = path,
                               .column_families = {alerts_cf::kAlerts, alerts_cf::kLive,
                                                   alerts_cf::kByChild, alerts_cf::kMeta},
                               .sync_writes = sync});
}

StatusOr<AlertBatch> AlertBoardHandler::Prepare(std::span<const kafka::Record> records) {
  AlertBatch batch;
  std::map<std::string, pv::AlertRow> rows;  // This batch's rows, by clock id.
  for (const kafka::Record& r : records) {
    av::AlertEvent e;
    if (!e.ParseFromString(r.value)) {
      batch.dead.push_back({&r, "undecodable", "not a sightline.alerts.v1.AlertEvent"});
      continue;
    }
    if (e.clock_id().empty()) continue;  // Heartbeats: no clock, nothing to show.
    auto it = rows.find(e.clock_id());
    if (it == rows.end()) {
      auto stored = Read(store_, e.clock_id());
      if (!stored.ok()) return stored.status();
      it = rows.emplace(e.clock_id(), stored.value().value_or(pv::AlertRow())).first;
    }
    domain::ApplyAlertStep(it->second, e);
  }
  for (const auto& [id, row] : rows) {
    if (row.clock_id().empty()) continue;
    batch.writes.Put(alerts_cf::kAlerts, id, row.SerializeAsString());
    // A team's or service area's alert is about no child (ADR 0013).
    if (!row.child_id().empty())
      batch.writes.Put(alerts_cf::kByChild, ChildKey(row.child_id(), id), "");
    if (domain::IsLive(row)) {
      batch.writes.Put(alerts_cf::kLive, id, "");
    } else {
      batch.writes.Delete(alerts_cf::kLive, id);
    }
    if (!row.child_id().empty()) batch.children.push_back(row.child_id());
  }
  return batch;
}

void AlertBoardHandler::Committed(const AlertBatch& batch) {
  if (feed_ != nullptr && !batch.children.empty()) feed_->Publish(batch.children);
}

StatusOr<std::vector<pv::AlertRow>> LiveAlerts(const storage::Store& store) {
  std::vector<std::string> ids;
  Status s = store.Scan(alerts_cf::kLive, "", [&](std::string_view key, std::string_view) {
    ids.emplace_back(key);
    return true;
  });
  if (!s.ok()) return s;
  return ReadAll(store, ids);
}

StatusOr<std::vector<pv::AlertRow>> AlertsOfChild(const storage::Store& store,
                                                  const std::string& child_id) {
  std::string prefix = child_id;
  prefix.push_back('\0');
  std::vector<std::string> ids;
  Status s = store.Scan(alerts_cf::kByChild, prefix, [&](std::string_view key, std::string_view) {
    ids.emplace_back(key.substr(prefix.size()));
    return true;
  });
  if (!s.ok()) return s;
  return ReadAll(store, ids);
}

Status ForEachAlert(const storage::Store& store,
                    const std::function<void(const pv::AlertRow&)>& visit) {
  bool corrupt = false;
  Status s = store.Scan(alerts_cf::kAlerts, "", [&](std::string_view, std::string_view value) {
    pv::AlertRow row;
    if (!row.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
      corrupt = true;
      return false;
    }
    visit(row);
    return true;
  });
  if (!s.ok()) return s;
  return corrupt ? Internal("an alert row does not parse") : Status::Ok();
}

StatusOr<std::optional<pv::AlertRow>> AlertOfClock(const storage::Store& store,
                                                   const std::string& clock_id) {
  return Read(store, clock_id);
}

}  // namespace sightline::projector
