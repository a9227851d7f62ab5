// The services' YAML configuration (gateway, projector, notifier): strict typed reading, every
// problem named. The same text is offered to all three readers.
#include <cstddef>
#include <cstdint>
#include <string>

#include "services/gateway/src/config.h"
#include "services/notifier/src/config.h"
#include "services/projector/src/config.h"
#include "sightline/config/yaml_reader.h"

namespace {

template <typename Config, typename Read>
void Try(const std::string& text, Read read) {
  auto yaml = sightline::config::YamlReader::FromString(text, "fuzz.yaml");
  if (!yaml.ok()) return;
  Config config;
  (void)read(yaml.value(), config);
  (void)yaml.value().Finish();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  Try<sightline::gateway::GatewayConfig>(text, sightline::gateway::ReadGatewayConfig);
  Try<sightline::projector::ProjectorConfig>(text, sightline::projector::ReadProjectorConfig);
  Try<sightline::notifier_service::NotifierConfig>(text,
                                                   sightline::notifier_service::ReadNotifierConfig);
  return 0;
}
