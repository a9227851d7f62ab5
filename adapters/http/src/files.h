// The static files a server serves under URL prefixes (the triage screen's page, script and
// styles). Paths are checked by routing::SafeRelativePath, so nothing outside a mount's root is
// read. Set up before the server starts, read-only afterwards: Covers and Serve are thread-safe
// once nothing is added.
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "sightline/core/status.h"
#include "sightline/http/server.h"

namespace sightline::http {

class FileMounts {
 public:
  // Serves the files under `root` at `mount` ("/app"); fails when `root` is not a directory.
  Status Add(const std::string& mount, const std::string& root);
  // Whether `path` falls under a mount's prefix.
  bool Covers(const std::string& path) const;
  // The file's answer (a redirect from "/app" to "/app/", 404, or the file with its type), or
  // nullopt when no mount covers `path`. Reads the file from disk: call it on the pool.
  std::optional<Response> Serve(const std::string& path) const;

 private:
  struct Mount {
    std::string prefix;  // "/app"
    std::filesystem::path root;
  };
  static constexpr std::size_t kMaxFileBytes = 32 << 20;
  std::vector<Mount> mounts_;
};

}  // namespace sightline::http
