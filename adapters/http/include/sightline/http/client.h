// A minimal blocking HTTP client for sightlinectl and the tests (not for services' hot paths).
#pragma once

#include <chrono>
#include <string>

#include "sightline/core/status.h"

namespace sightline::http {

struct ClientResponse {
  int status = 0;
  std::string body;
  std::string content_type;
};

// base_url is "http://host:port". Unavailable when the connection fails or times out.
StatusOr<ClientResponse> Post(const std::string& base_url, const std::string& path,
                              const std::string& body, const std::string& content_type,
                              std::chrono::seconds timeout = std::chrono::seconds(60));
StatusOr<ClientResponse> Get(const std::string& base_url, const std::string& path,
                             std::chrono::seconds timeout = std::chrono::seconds(10));

}  // namespace sightline::http
