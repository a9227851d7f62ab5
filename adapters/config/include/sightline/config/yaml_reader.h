// Strict, typed reading of a YAML configuration file.
//
// A service builds its typed config struct by asking for each key with its type, default and
// range; every problem is collected with the dotted key and why ("kafka.produce_timeout_ms: must
// be between 100 and 600000, got 5"), and Finish() also rejects every key nobody asked for, so a
// misspelt key stops start-up instead of being silently ignored. Keys are paths: "http.port",
// "topics[2].name". Not thread-safe; used once at start-up.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "sightline/core/status.h"

namespace sightline::config {

class YamlReader {
 public:
  static StatusOr<YamlReader> FromFile(const std::string& path);
  static StatusOr<YamlReader> FromString(const std::string& text, const std::string& origin);
  YamlReader(YamlReader&&) noexcept;
  YamlReader& operator=(YamlReader&&) noexcept;
  ~YamlReader();

  std::string String(const std::string& key, const std::string& fallback);
  std::int64_t Int(const std::string& key, std::int64_t fallback, std::int64_t min,
                   std::int64_t max);
  bool Bool(const std::string& key, bool fallback);
  // A mapping of scalars, taken as it is (e.g. librdkafka properties with dotted names).
  std::map<std::string, std::string> StringMap(const std::string& key);
  // Number of items of a sequence (0 when absent).
  std::size_t ListSize(const std::string& key);

  // Records an error found by the caller's own checks, against a key.
  void Fail(const std::string& key, const std::string& reason);
  // InvalidArgument listing every problem and unknown key, prefixed with the file name; or OK.
  Status Finish() const;

 private:
  struct Impl;
  explicit YamlReader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The process environment's SIGHTLINE_* variables (name -> value), for config overrides.
std::map<std::string, std::string> SightlineEnvironment();

}  // namespace sightline::config
