// A small HTTP/1.1 server for Sightline services (health, metrics, JSON APIs), wrapping
// cpp-httplib so that services see only these plain structs.
//
// Lifecycle: construct, add routes, Start() (binds; port 0 picks a free port and Start returns
// it), then Stop() or destruction. Handlers run on the server's thread pool and must be
// thread-safe. A body over max_body_bytes is answered 413 before any handler runs.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "sightline/core/status.h"

namespace sightline::http {

struct Request {
  std::string method;
  std::string path;
  std::string body;
  std::multimap<std::string, std::string> headers;  // Names lower-cased.
  std::multimap<std::string, std::string> query;
  std::map<std::string, std::string> path_params;  // From ":name" segments of the route.

  // The header's value, or nullopt when absent.
  std::optional<std::string> Header(const std::string& lower_name) const;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::map<std::string, std::string> headers;
};

using Handler = std::function<Response(const Request&)>;

// A long-lived response (server-sent events). When `produce` is empty, `head` is sent as an
// ordinary response (an error, say). Otherwise head's status, type and headers go out first and
// `produce` then writes chunks through `write` until it returns, or until `write` returns false
// (the client went away). `produce` runs on one of the server's threads for the whole stream.
using ChunkWriter = std::function<bool(std::string_view chunk)>;
struct StreamResponse {
  Response head;
  std::function<void(const ChunkWriter& write)> produce;
};
using StreamHandler = std::function<StreamResponse(const Request&)>;

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 0;
  std::size_t max_body_bytes = 1 << 20;
  int threads = 8;
};

class Server {
 public:
  explicit Server(ServerOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Routes use exact paths or ":name" segments ("/v1/children/:id").
  void Get(const std::string& pattern, Handler handler);
  void Post(const std::string& pattern, Handler handler);
  void GetStream(const std::string& pattern, StreamHandler handler);
  // Serves files under `root` at URL prefix `mount` ("/app"); "/app/" serves index.html.
  Status ServeFiles(const std::string& mount, const std::string& root);

  // Binds and starts serving on a background thread; returns the bound port.
  StatusOr<int> Start();
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sightline::http
