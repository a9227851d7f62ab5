#include "sightline/http/client.h"

#include <httplib.h>

namespace sightline::http {
namespace {

// What went wrong, in words an operator reading a log at 3am can act on.
std::string Describe(httplib::Error error, std::chrono::seconds timeout) {
  std::string within = " (timeout " + std::to_string(timeout.count()) + " s)";
  switch (error) {
    case httplib::Error::Connection:
      return "cannot connect: refused, unreachable or no answer" + within;
    case httplib::Error::ConnectionTimeout:
      return "connect timed out" + within;
    case httplib::Error::Read:
      return "no complete answer: timed out or the connection closed" + within;
    case httplib::Error::Write:
      return "sending the request failed: the connection closed or timed out" + within;
    case httplib::Error::SSLConnection:
    case httplib::Error::SSLServerVerification:
      return "TLS handshake failed";
    default:
      return "failed (" + httplib::to_string(error) + ")";
  }
}

StatusOr<ClientResponse> Convert(const httplib::Result& r, const std::string& what,
                                 std::chrono::seconds timeout) {
  if (!r) return Unavailable(what + ": " + Describe(r.error(), timeout));
  return ClientResponse{r->status, r->body, r->get_header_value("Content-Type")};
}

httplib::Client MakeClient(const std::string& base_url, std::chrono::seconds timeout) {
  httplib::Client client(base_url);
  client.set_connection_timeout(timeout);
  client.set_read_timeout(timeout);
  client.set_write_timeout(timeout);
  client.set_tcp_nodelay(true);  // Headers and body go out without waiting for an ACK.
  return client;
}

}  // namespace

StatusOr<ClientResponse> Post(const std::string& base_url, const std::string& path,
                              const std::string& body, const std::string& content_type,
                              std::chrono::seconds timeout) {
  httplib::Client client = MakeClient(base_url, timeout);
  return Convert(client.Post(path, body, content_type), "POST " + base_url + path, timeout);
}

StatusOr<ClientResponse> Get(const std::string& base_url, const std::string& path,
                             std::chrono::seconds timeout) {
  httplib::Client client = MakeClient(base_url, timeout);
  return Convert(client.Get(path), "GET " + base_url + path, timeout);
}

}  // namespace sightline::http
