// The shape every long-running Sightline service shares: stop signals blocked before any thread
// starts, the work on a thread of its own, SIGINT/SIGTERM (or the work failing) ending it.
#pragma once

#include <csignal>

#include <atomic>
#include <functional>
#include <string>

#include "sightline/core/status.h"

namespace sightline::runtime {

// Blocks SIGINT and SIGTERM in the calling thread and every thread it starts afterwards, so that
// only ServeUntilStopped's wait receives them. Call first in main.
sigset_t BlockStopSignals();

// Runs `work(stop)` on a thread until SIGINT/SIGTERM arrives or `work` returns an error (which
// raises SIGTERM itself); then sets `stop`, calls `on_stop` (stop HTTP servers, close feeds) and
// joins. Returns 0, or 2 after a fatal error, logged as "<name>: ...".
int ServeUntilStopped(const sigset_t& signals, const std::string& name,
                      const std::function<Status(const std::atomic<bool>&)>& work,
                      const std::function<void()>& on_stop);

}  // namespace sightline::runtime
