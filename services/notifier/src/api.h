// The notifier's HTTP API (loopback by default): /healthz, /readyz (the consumer shell's
// readiness) and /v1/status (receivers, heartbeat, consuming). Handlers only read snapshots.
#pragma once

#include "deliverer.h"
#include "handler.h"
#include "heartbeat.h"
#include "sightline/audit_log/door.h"
#include "sightline/clock/clock.h"
#include "sightline/consumer/shell.h"
#include "sightline/http/server.h"

namespace sightline::notifier_service {

struct ApiDeps {
  const NotifierConfig& config;
  const consumer::Shell& shell;
  const NotifierHandler& handler;
  const Deliverer& deliverer;
  const HeartbeatWatch& heartbeat;
  const Clock& clock;
  audit_log::AuditedDoor& door;  // /v1 routes: a staff member or system client, audited.
};

void RegisterApi(http::Server& server, const ApiDeps& deps);

}  // namespace sightline::notifier_service
