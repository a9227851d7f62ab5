// A listener's TLS (internal to sightline_http): TLS 1.2 or later from PEM files, mutual TLS
// when a client CA is set, and plaintext only on a loopback address.
#pragma once

#include <boost/asio/ssl.hpp>
#include <optional>
#include <string>

#include "sightline/core/status.h"
#include "sightline/http/server.h"

namespace sightline::http {

namespace net = boost::asio;

// The TLS context for a listener on `where` ("host:port"), or nullopt for plaintext; an error
// naming the http.tls key at fault when the files are inconsistent or unreadable, or when a
// listener on a non-loopback address has no certificate.
StatusOr<std::optional<net::ssl::context>> ListenerTls(const TlsOptions& tls, bool loopback,
                                                       const std::string& where);

}  // namespace sightline::http
