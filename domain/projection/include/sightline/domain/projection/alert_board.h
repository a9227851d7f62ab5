// The alert board: each clock's alert as the triage screen shows it, folded from the watchdog's
// alert events (sightline.alerts.v1): its state, level, who it pages, and its history. Pure; the
// projector keeps the rows in RocksDB (issue 14).
#pragma once

#include "sightline/alerts/v1/alerts.pb.h"
#include "sightline/projections/v1/projections.pb.h"

namespace sightline::domain {

// Folds one alert event into its clock's row. Idempotent: an event id already in the history
// changes nothing (returns false). Steps may arrive out of order (a resolution recorded late
// carries an earlier time): the state is the latest step's by time, terminal steps win.
bool ApplyAlertStep(projections::v1::AlertRow& row, const alerts::v1::AlertEvent& step);

// Open or acknowledged: on the board's panel.
bool IsLive(const projections::v1::AlertRow& row);

}  // namespace sightline::domain
