// A small blocking HTTP/1.1 client (Boost.Beast) for sightlinectl, the notifier's deliveries and
// the tests. One connection per call; every step (resolve, connect, write, read) is bounded by
// `timeout` as a whole.
#pragma once

#include <chrono>
#include <map>
#include <string>

#include "sightline/core/status.h"

namespace sightline::http {

struct ClientResponse {
  int status = 0;
  std::string body;
  std::string content_type;
  std::map<std::string, std::string> headers;  // Names lower-cased.
};

struct ClientRequest {
  std::string method = "GET";
  std::string path = "/";
  std::string body;
  std::string content_type;
  std::map<std::string, std::string> headers;
  std::chrono::milliseconds timeout{10'000};
  // For https:// URLs: the CA to trust (PEM; empty: the system's), and a client certificate and
  // key for servers that require one (mutual TLS).
  std::string ca_file = {};
  std::string cert_file = {};
  std::string key_file = {};
};

// base_url is "http://host:port" or "https://host:port" (the server's certificate is checked
// against ca_file and the host name). Unavailable when the connection, the TLS handshake or the
// exchange fails or times out.
StatusOr<ClientResponse> Send(const std::string& base_url, const ClientRequest& request);

StatusOr<ClientResponse> Post(const std::string& base_url, const std::string& path,
                              const std::string& body, const std::string& content_type,
                              std::chrono::seconds timeout = std::chrono::seconds(60));
StatusOr<ClientResponse> Get(const std::string& base_url, const std::string& path,
                             std::chrono::seconds timeout = std::chrono::seconds(10));

}  // namespace sightline::http
