#include "sightline/http/client.h"

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <optional>

#include "routing.h"

namespace sightline::http {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;

namespace {

constexpr std::size_t kMaxResponseBytes = std::size_t{1} << 30;

struct Endpoint {
  std::string host;
  std::string port;
  bool tls = false;
};

StatusOr<Endpoint> ParseBase(const std::string& base_url) {
  bool tls = base_url.starts_with("https://");
  if (!tls && !base_url.starts_with("http://"))
    return InvalidArgument("'" + base_url + "' is not an http:// or https:// URL");
  std::string rest = base_url.substr(tls ? 8 : 7);
  while (!rest.empty() && rest.back() == '/') rest.pop_back();
  std::size_t colon = rest.rfind(':');
  if (colon == std::string::npos) return Endpoint{rest, tls ? "443" : "80", tls};
  return Endpoint{rest.substr(0, colon), rest.substr(colon + 1), tls};
}

StatusOr<net::ssl::context> ClientContext(const ClientRequest& request) {
  net::ssl::context ctx(net::ssl::context::tls_client);
  ctx.set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 |
                  net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1 |
                  net::ssl::context::no_tlsv1_1);
  beast::error_code ec;
  if (request.ca_file.empty()) {
    ctx.set_default_verify_paths(ec);
  } else {
    ctx.load_verify_file(request.ca_file, ec);
  }
  if (ec) return InvalidArgument("CA file " + request.ca_file + ": " + ec.message());
  ctx.set_verify_mode(net::ssl::verify_peer);
  if (!request.cert_file.empty()) {
    ctx.use_certificate_chain_file(request.cert_file, ec);
    if (!ec) ctx.use_private_key_file(request.key_file, net::ssl::context::pem, ec);
    if (ec) return InvalidArgument("client certificate " + request.cert_file + ": " + ec.message());
  }
  return ctx;
}

}  // namespace

StatusOr<ClientResponse> Send(const std::string& base_url, const ClientRequest& request) {
  std::string what = request.method + " " + base_url + request.path;
  auto endpoint = ParseBase(base_url);
  if (!endpoint.ok()) return endpoint.status();
  std::string within = " (timeout " + std::to_string(request.timeout.count()) + " ms)";

  net::io_context ioc;
  std::optional<net::ssl::context> tls_context;
  if (endpoint.value().tls) {
    auto ctx = ClientContext(request);
    if (!ctx.ok()) return ctx.status();
    tls_context.emplace(std::move(ctx).value());
  }
  beast::tcp_stream plain(ioc);
  std::optional<beast::ssl_stream<beast::tcp_stream&>> tls;
  if (tls_context) tls.emplace(plain, *tls_context);
  auto io = [&](auto&& op) { return tls ? op(*tls) : op(plain); };
  beast::tcp_stream& stream = plain;
  std::string failure;
  ClientResponse out;
  auto deadline = std::chrono::steady_clock::now() + request.timeout;
  net::co_spawn(
      ioc,
      [&]() -> net::awaitable<void> {
        constexpr auto kNoThrow = net::as_tuple(net::use_awaitable);
        tcp::resolver resolver(ioc);
        auto [rec, found] =
            co_await resolver.async_resolve(endpoint.value().host, endpoint.value().port, kNoThrow);
        if (rec) {
          failure = "cannot connect: cannot resolve '" + endpoint.value().host + "'";
          co_return;
        }
        stream.expires_at(deadline);
        auto [cec, ep] = co_await stream.async_connect(found, kNoThrow);
        if (cec) {
          failure = cec == beast::error::timeout
                        ? "connect timed out" + within
                        : "cannot connect: refused, unreachable or no answer" + within;
          co_return;
        }
        beast::error_code ignored;
        stream.socket().set_option(tcp::no_delay(true), ignored);
        if (tls) {
          const std::string& host = endpoint.value().host;
          // SSL_set_tlsext_host_name, without the macro's C cast.
          if (SSL_ctrl(tls->native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME,
                       TLSEXT_NAMETYPE_host_name, const_cast<char*>(host.c_str())) != 1) {
            failure = "TLS: cannot set the server name";
            co_return;
          }
          tls->set_verify_callback(net::ssl::host_name_verification(host));
          auto [hec] = co_await tls->async_handshake(net::ssl::stream_base::client, kNoThrow);
          if (hec) {
            failure = "TLS handshake failed: " + hec.message();
            co_return;
          }
        }
        bhttp::request<bhttp::string_body> req{bhttp::string_to_verb(request.method), request.path,
                                               11};
        req.set(bhttp::field::host, endpoint.value().host);
        req.set(bhttp::field::user_agent, "sightline");
        if (!request.content_type.empty())
          req.set(bhttp::field::content_type, request.content_type);
        for (const auto& [k, v] : request.headers) req.set(k, v);
        req.body() = request.body;
        req.keep_alive(false);
        req.prepare_payload();
        auto [wec, wn] = co_await io([&](auto& s) { return bhttp::async_write(s, req, kNoThrow); });
        if (wec) {
          failure = "sending the request failed: the connection closed or timed out" + within;
          co_return;
        }
        beast::flat_buffer buffer;
        bhttp::response_parser<bhttp::string_body> parser;
        parser.body_limit(kMaxResponseBytes);
        parser.header_limit(64 * 1024);
        auto [aec, an] =
            co_await io([&](auto& s) { return bhttp::async_read(s, buffer, parser, kNoThrow); });
        if (aec) {
          failure = "no complete answer: timed out or the connection closed" + within;
          co_return;
        }
        auto& res = parser.get();
        out.status = static_cast<int>(res.result_int());
        for (const auto& f : res) out.headers[routing::Lower(f.name_string())] = f.value();
        auto type = res.find(bhttp::field::content_type);
        if (type != res.end()) out.content_type = type->value();
        out.body = std::move(res.body());
        stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
      },
      [&failure](const std::exception_ptr& e) {
        if (!e) return;
        try {
          std::rethrow_exception(e);
        } catch (const std::exception& ex) {
          failure = std::string("failed: ") + ex.what();
        }
      });
  ioc.run();
  if (!failure.empty()) return Unavailable(what + ": " + failure);
  return out;
}

StatusOr<ClientResponse> Post(const std::string& base_url, const std::string& path,
                              const std::string& body, const std::string& content_type,
                              std::chrono::seconds timeout) {
  return Send(base_url, {.method = "POST",
                         .path = path,
                         .body = body,
                         .content_type = content_type,
                         .headers = {},
                         .timeout = timeout});
}

StatusOr<ClientResponse> Get(const std::string& base_url, const std::string& path,
                             std::chrono::seconds timeout) {
  return Send(base_url, {.method = "GET",
                         .path = path,
                         .body = {},
                         .content_type = {},
                         .headers = {},
                         .timeout = timeout});
}

}  // namespace sightline::http
