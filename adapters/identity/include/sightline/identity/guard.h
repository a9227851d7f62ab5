// Wraps a route's handler so that it runs only for an authenticated principal (401 otherwise,
// with WWW-Authenticate) that `allowed` accepts (403 otherwise). For the operational APIs of the
// watchdog and notifier; the triage API and the gateway decide per record and per event.
#pragma once

#include <functional>
#include <string>

#include "sightline/http/server.h"
#include "sightline/identity/authenticator.h"

namespace sightline::identity {

using Allowed = std::function<bool(const Principal&)>;

// Staff of any role, or a system client (static token); partner agencies are not staff.
bool StaffOrSystem(const Principal& p);

http::Handler Guard(const Authenticator& auth, http::Handler handler,
                    Allowed allowed = StaffOrSystem);

}  // namespace sightline::identity
