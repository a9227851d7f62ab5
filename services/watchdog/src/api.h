// The watchdog's HTTP API, for operators and tests (loopback by default): /healthz, /readyz
// (the consumer shell's readiness), /v1/status (consumer progress, clock, horizon, outbox),
// /v1/alerts (open raised clocks) and /v1/children/{id}/clocks. Handlers only read (the
// store, snapshots), so they are safe on the HTTP threads.
#pragma once

#include "handler.h"
#include "sightline/audit_log/door.h"
#include "sightline/consumer/shell.h"
#include "sightline/http/server.h"
#include "state.h"

namespace sightline::watchdog_service {

// /healthz, /readyz and /metrics are open (platform probes, no child data); every /v1 route
// needs an authenticated staff member or system client and is audited (`door`, which must outlive
// the server).
void RegisterApi(http::Server& server, const consumer::Shell& shell, const WatchdogHandler& handler,
                 WatchdogState& state, audit_log::AuditedDoor& door);

}  // namespace sightline::watchdog_service
