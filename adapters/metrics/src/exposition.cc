#include "sightline/metrics/exposition.h"

#include <prometheus/text_serializer.h>

namespace sightline::metrics {

std::string RenderText(prometheus::Registry& registry) {
  return prometheus::TextSerializer().Serialize(registry.Collect());
}

}  // namespace sightline::metrics
