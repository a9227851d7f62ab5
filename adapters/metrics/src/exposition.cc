#include "sightline/metrics/exposition.h"

#include <prometheus/text_serializer.h>

namespace sightline::metrics {

std::string RenderText(prometheus::Registry& registry) {
  return prometheus::TextSerializer().Serialize(registry.Collect());
}

void ServeMetrics(http::Server& server, prometheus::Registry& registry) {
  server.Get("/metrics", [&registry](const http::Request&) {
    return http::Response{
        .status = 200, .content_type = kContentType, .body = RenderText(registry), .headers = {}};
  });
}

}  // namespace sightline::metrics
