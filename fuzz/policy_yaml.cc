// The clock policy file (ParsePolicy), which operators edit by hand. The bank-holiday file it may
// name is looked up under a folder that does not exist, so only the YAML is exercised.
#include <cstddef>
#include <cstdint>
#include <string>

#include "sightline/config/policy_file.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  auto policy = sightline::config::ParsePolicy(text, "fuzz.yaml", "/nonexistent-sightline-fuzz");
  if (!policy.ok() && policy.status().message().empty()) __builtin_trap();
  return 0;
}
