// The `http:` block every service's YAML shares: where to listen and how much any one client may
// take (ADR 0008). Keys absent from the file keep the service's defaults in `options`.
#pragma once

#include "sightline/config/yaml_reader.h"
#include "sightline/http/server.h"

namespace sightline::config {

// listen_address, port, max_body_bytes, threads, header_timeout_ms, body_timeout_ms,
// idle_timeout_ms, max_connections, max_connections_per_address, max_pending_requests,
// tls.cert_file, tls.key_file, tls.client_ca_file.
void ReadHttpOptions(YamlReader& yaml, http::ServerOptions& options);

// "https://host:port", or "http://host:port (plaintext: loopback only)", for start-up messages.
std::string ListenerDescription(const http::Server& server, const http::ServerOptions& options,
                                int port);

}  // namespace sightline::config
