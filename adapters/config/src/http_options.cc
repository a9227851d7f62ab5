#include "sightline/config/http_options.h"

namespace sightline::config {
namespace {

std::chrono::milliseconds Millis(YamlReader& yaml, const std::string& key,
                                 std::chrono::milliseconds fallback) {
  return std::chrono::milliseconds(yaml.Int(key, fallback.count(), 100, 600'000));
}

}  // namespace

void ReadHttpOptions(YamlReader& yaml, http::ServerOptions& o) {
  o.host = yaml.String("http.listen_address", o.host);
  o.port = static_cast<int>(yaml.Int("http.port", o.port, 0, 65535));
  o.max_body_bytes = static_cast<std::size_t>(yaml.Int(
      "http.max_body_bytes", static_cast<std::int64_t>(o.max_body_bytes), 1024, 256LL << 20));
  o.threads = static_cast<int>(yaml.Int("http.threads", o.threads, 1, 256));
  o.header_timeout = Millis(yaml, "http.header_timeout_ms", o.header_timeout);
  o.body_timeout = Millis(yaml, "http.body_timeout_ms", o.body_timeout);
  o.idle_timeout = Millis(yaml, "http.idle_timeout_ms", o.idle_timeout);
  o.max_connections =
      static_cast<int>(yaml.Int("http.max_connections", o.max_connections, 16, 1'000'000));
  o.max_connections_per_address = static_cast<int>(yaml.Int(
      "http.max_connections_per_address", o.max_connections_per_address, 1, o.max_connections));
  o.max_pending_requests =
      static_cast<int>(yaml.Int("http.max_pending_requests", o.max_pending_requests, 1, 1'000'000));
  o.tls.cert_file = yaml.String("http.tls.cert_file", o.tls.cert_file);
  o.tls.key_file = yaml.String("http.tls.key_file", o.tls.key_file);
  o.tls.client_ca_file = yaml.String("http.tls.client_ca_file", o.tls.client_ca_file);
}

std::string ListenerDescription(const http::Server& server, const http::ServerOptions& o,
                                int port) {
  std::string url = (server.Tls() ? "https://" : "http://") + o.host + ":" + std::to_string(port);
  if (!server.Tls())
    url += " (plaintext: loopback only)";
  else if (!o.tls.client_ca_file.empty())
    url += " (TLS, client certificates required)";
  return url;
}

}  // namespace sightline::config
