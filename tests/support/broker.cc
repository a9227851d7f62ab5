#include "broker.h"

#include <cstdlib>

#include "process.h"

namespace sightline::testing {

std::string SharedBrokers() { return Env("SIGHTLINE_TEST_BROKERS"); }

OwnBroker::OwnBroker() : dir_(TempDir("broker")), port_(FreePort()), controller_port_(FreePort()) {}

OwnBroker::~OwnBroker() { Stop(); }

bool OwnBroker::Start() {
  return Run({SourceDir() + "/scripts/kafka/broker.sh", "start", "--dir", dir_, "--port",
              std::to_string(port_), "--controller-port", std::to_string(controller_port_)},
             dir_ + "/script.log") == 0;
}

bool OwnBroker::Stop() {
  return Run({SourceDir() + "/scripts/kafka/broker.sh", "stop", "--dir", dir_},
             dir_ + "/script.log") == 0;
}

}  // namespace sightline::testing
