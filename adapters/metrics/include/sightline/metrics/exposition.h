// Renders a prometheus-cpp registry in the Prometheus text format, so a service can serve
// /metrics from its own HTTP server instead of running a second one.
#pragma once

#include <prometheus/registry.h>

#include <string>

#include "sightline/http/server.h"

namespace sightline::metrics {

inline constexpr const char* kContentType = "text/plain; version=0.0.4; charset=utf-8";

std::string RenderText(prometheus::Registry& registry);

// Adds GET /metrics to `server`, rendering `registry` (which must outlive the server).
void ServeMetrics(http::Server& server, prometheus::Registry& registry);

}  // namespace sightline::metrics
