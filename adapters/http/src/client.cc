#include "sightline/http/client.h"

#include <httplib.h>

namespace sightline::http {
namespace {

StatusOr<ClientResponse> Convert(const httplib::Result& r, const std::string& what) {
  if (!r) return Unavailable(what + ": " + httplib::to_string(r.error()));
  return ClientResponse{r->status, r->body, r->get_header_value("Content-Type")};
}

httplib::Client MakeClient(const std::string& base_url, std::chrono::seconds timeout) {
  httplib::Client client(base_url);
  client.set_connection_timeout(timeout);
  client.set_read_timeout(timeout);
  client.set_write_timeout(timeout);
  return client;
}

}  // namespace

StatusOr<ClientResponse> Post(const std::string& base_url, const std::string& path,
                              const std::string& body, const std::string& content_type,
                              std::chrono::seconds timeout) {
  httplib::Client client = MakeClient(base_url, timeout);
  return Convert(client.Post(path, body, content_type), "POST " + base_url + path);
}

StatusOr<ClientResponse> Get(const std::string& base_url, const std::string& path,
                             std::chrono::seconds timeout) {
  httplib::Client client = MakeClient(base_url, timeout);
  return Convert(client.Get(path), "GET " + base_url + path);
}

}  // namespace sightline::http
