#include "sightline/http/server.h"

#include <httplib.h>

#include <algorithm>
#include <cctype>
#include <regex>
#include <thread>

namespace sightline::http {

std::optional<std::string> Request::Header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  if (it == headers.end()) return std::nullopt;
  return it->second;
}

struct Server::Impl {
  ServerOptions options;
  httplib::Server server;
  std::thread thread;
};

namespace {

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// Turns "/v1/children/:id" into a regex with named captures, kept in order.
std::pair<std::string, std::vector<std::string>> CompilePattern(const std::string& pattern) {
  static const std::regex kParam(R"(:([A-Za-z_]+))");
  std::vector<std::string> names;
  for (auto it = std::sregex_iterator(pattern.begin(), pattern.end(), kParam);
       it != std::sregex_iterator(); ++it) {
    names.push_back((*it)[1].str());
  }
  return {std::regex_replace(pattern, kParam, "([^/]+)"), names};
}

Request Convert(const httplib::Request& in, const std::vector<std::string>& names) {
  Request req;
  req.method = in.method;
  req.path = in.path;
  req.body = in.body;
  for (const auto& [k, v] : in.headers) req.headers.emplace(Lower(k), v);
  for (const auto& [k, v] : in.params) req.query.emplace(k, v);
  for (std::size_t i = 0; i < names.size() && i + 1 < in.matches.size(); ++i) {
    req.path_params[names[i]] = in.matches[i + 1].str();
  }
  return req;
}

void SendHead(const Response& res, httplib::Response& out) {
  out.status = res.status;
  for (const auto& [k, v] : res.headers) out.set_header(k, v);
}

httplib::Server::Handler Adapt(Handler handler, std::vector<std::string> names) {
  return [handler = std::move(handler), names = std::move(names)](const httplib::Request& in,
                                                                  httplib::Response& out) {
    Response res = handler(Convert(in, names));
    SendHead(res, out);
    out.set_content(res.body, res.content_type);
  };
}

httplib::Server::Handler AdaptStream(StreamHandler handler, std::vector<std::string> names) {
  return [handler = std::move(handler), names = std::move(names)](const httplib::Request& in,
                                                                  httplib::Response& out) {
    StreamResponse res = handler(Convert(in, names));
    SendHead(res.head, out);
    if (!res.produce) {
      out.set_content(res.head.body, res.head.content_type);
      return;
    }
    out.set_chunked_content_provider(
        res.head.content_type,
        [produce = std::move(res.produce)](std::size_t, httplib::DataSink& sink) {
          produce([&sink](std::string_view chunk) {
            return sink.is_writable() && sink.write(chunk.data(), chunk.size());
          });
          sink.done();
          return true;
        });
  };
}

}  // namespace

Server::Server(ServerOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  impl_->server.set_payload_max_length(impl_->options.max_body_bytes);
  // Small answers go out at once: without TCP_NODELAY every keep-alive request waited ~40 ms for
  // Nagle's algorithm to meet the client's delayed ACK.
  impl_->server.set_tcp_nodelay(true);
  int threads = impl_->options.threads;
  impl_->server.new_task_queue = [threads] {
    return new httplib::ThreadPool(static_cast<std::size_t>(threads));
  };
  // Errors produced by the library itself (404, 413, ...) get a JSON body like ours.
  impl_->server.set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (!res.body.empty()) return;
    std::string reason = res.status == 413   ? "request body too large"
                         : res.status == 404 ? "no such endpoint"
                                             : "HTTP " + std::to_string(res.status);
    res.set_content(R"({"error":")" + reason + R"("})", "application/json");
  });
}

Server::~Server() { Stop(); }

void Server::Get(const std::string& pattern, Handler handler) {
  auto [regex, names] = CompilePattern(pattern);
  impl_->server.Get(regex, Adapt(std::move(handler), names));
}

void Server::Post(const std::string& pattern, Handler handler) {
  auto [regex, names] = CompilePattern(pattern);
  impl_->server.Post(regex, Adapt(std::move(handler), names));
}

void Server::GetStream(const std::string& pattern, StreamHandler handler) {
  auto [regex, names] = CompilePattern(pattern);
  impl_->server.Get(regex, AdaptStream(std::move(handler), names));
}

Status Server::ServeFiles(const std::string& mount, const std::string& root) {
  if (!impl_->server.set_mount_point(mount, root)) {
    return InvalidArgument("cannot serve files from '" + root + "': not a directory");
  }
  return Status::Ok();
}

StatusOr<int> Server::Start() {
  int port = impl_->options.port;
  if (port == 0) {
    port = impl_->server.bind_to_any_port(impl_->options.host);
  } else if (!impl_->server.bind_to_port(impl_->options.host, port)) {
    port = -1;
  }
  if (port <= 0) {
    return Unavailable("cannot listen on " + impl_->options.host + ":" +
                       std::to_string(impl_->options.port) + " (in use, or not an address here)");
  }
  // The socket already listens, so connections made before the accept loop starts just queue.
  impl_->thread = std::thread([this] { impl_->server.listen_after_bind(); });
  return port;
}

void Server::Stop() {
  impl_->server.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

}  // namespace sightline::http
