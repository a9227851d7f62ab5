#include "tls.h"

#include <boost/beast/core.hpp>

namespace sightline::http {

namespace {

namespace beast = boost::beast;

// TLS 1.2 or later with the certificate chain and key of `tls`; with a client CA, clients must
// present a certificate it signed (mutual TLS).
StatusOr<net::ssl::context> MakeServerContext(const TlsOptions& tls) {
  net::ssl::context ctx(net::ssl::context::tls_server);
  ctx.set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 |
                  net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1 |
                  net::ssl::context::no_tlsv1_1 | net::ssl::context::single_dh_use);
  beast::error_code ec;
  ctx.use_certificate_chain_file(tls.cert_file, ec);
  if (ec) return InvalidArgument("http.tls.cert_file " + tls.cert_file + ": " + ec.message());
  ctx.use_private_key_file(tls.key_file, net::ssl::context::pem, ec);
  if (ec) return InvalidArgument("http.tls.key_file " + tls.key_file + ": " + ec.message());
  if (!tls.client_ca_file.empty()) {
    ctx.load_verify_file(tls.client_ca_file, ec);
    if (ec)
      return InvalidArgument("http.tls.client_ca_file " + tls.client_ca_file + ": " + ec.message());
    ctx.set_verify_mode(net::ssl::verify_peer | net::ssl::verify_fail_if_no_peer_cert);
  }
  return ctx;
}

}  // namespace

StatusOr<std::optional<net::ssl::context>> ListenerTls(const TlsOptions& tls, bool loopback,
                                                       const std::string& where) {
  if (tls.cert_file.empty() != tls.key_file.empty())
    return InvalidArgument("http.tls: cert_file and key_file go together");
  if (tls.cert_file.empty() && !tls.client_ca_file.empty())
    return InvalidArgument("http.tls.client_ca_file needs cert_file and key_file");
  if (tls.cert_file.empty() && !loopback)
    return InvalidArgument("cannot listen on " + where +
                           " in plaintext: set http.tls.cert_file and key_file (plaintext is for "
                           "loopback addresses only)");
  if (tls.cert_file.empty()) return std::optional<net::ssl::context>();
  auto context = MakeServerContext(tls);
  if (!context.ok()) return context.status();
  return std::optional<net::ssl::context>(std::move(context).value());
}

}  // namespace sightline::http
