// A real Kafka broker for integration tests. SharedBrokers() is the one `make test` started
// (SIGHTLINE_TEST_BROKERS); OwnBroker starts a private one on free ports in a temp dir, for
// tests that stop and restart it. Without a shared broker the tests fail (never skip), saying to
// run them through `make test`, which starts one.
#pragma once

#include <string>

namespace sightline::testing {

// Bootstrap servers of the shared test broker, or "" when none was provided.
std::string SharedBrokers();

class OwnBroker {
 public:
  OwnBroker();
  ~OwnBroker();
  bool Start();  // Starts (or restarts, same ports and data) and waits until it serves.
  bool Stop();
  std::string brokers() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  std::string dir_;
  int port_;
  int controller_port_;
};

}  // namespace sightline::testing
