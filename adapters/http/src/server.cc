#include "sightline/http/server.h"

#include <sys/resource.h>

#include <array>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <condition_variable>
#include <iostream>
#include <mutex>
#include <sstream>
#include <thread>
#include <variant>
#include <vector>

#include "connections.h"
#include "files.h"
#include "routing.h"
#include "sightline/core/no_wait.h"
#include "tls.h"

namespace sightline::http {

namespace bhttp = boost::beast::http;

namespace {

struct Route {
  std::string method;
  routing::Pattern pattern;
  Handler handler;
  StreamHandler stream;
  Dispatch dispatch = Dispatch::kPool;
};

Response Call(const Handler& handler, const Request& req) {
  try {
    return handler(req);
  } catch (const std::exception& e) {
    std::cerr << "http: handler for " << req.method << " " << req.path << " threw: " << e.what()
              << "\n";
    return ErrorResponse(500, "internal error");
  }
}

// The handler's answer, made on this thread within a NoWaitScope; nullopt, with the answer
// thrown away unsent, if anything in it refused to wait.
std::optional<Response> CallWithoutWaiting(const Handler& handler, const Request& req) {
  NoWaitScope no_wait;
  Response answer = Call(handler, req);
  if (no_wait.refused()) return std::nullopt;
  no_wait.Use();
  return answer;
}

}  // namespace

struct Server::Impl {
  explicit Impl(ServerOptions o)
      : options(std::move(o)),
        registry(options.max_connections, options.max_connections_per_address) {}

  ServerOptions options;
  std::vector<Route> routes;
  FileMounts files;
  Registry registry;

  std::atomic<int> pending{0};
  // Held answers (Response::after) whose Completion has not run; Stop() waits for them.
  std::mutex held_mu;
  std::condition_variable held_settled;
  int held = 0;

  // Waits, without a thread, for a held response's Completion; resumes on the caller's executor.
  // Not a coroutine itself: it returns async_initiate's awaitable (GCC 12 mishandles lambda
  // temporaries inside a co_await expression).
  net::awaitable<std::optional<Response>> AwaitHeld(std::function<void(Completion)> after) {
    auto initiate = [this, after = std::move(after)](auto handler) mutable {
      // The coroutine's handler is move-only; the Completion must be copyable.
      auto shared = std::make_shared<decltype(handler)>(std::move(handler));
      {
        std::lock_guard lock(held_mu);
        ++held;
      }
      after([this, shared](std::optional<Response> instead) {
        auto ex = net::get_associated_executor(*shared);
        net::post(ex, [shared, instead = std::move(instead)]() mutable {
          (*shared)(std::move(instead));
        });
        std::lock_guard lock(held_mu);
        if (--held == 0) held_settled.notify_all();
      });
    };
    return net::async_initiate<decltype(net::use_awaitable), void(std::optional<Response>)>(
        std::move(initiate), net::use_awaitable);
  }
  // Declared after the registry: destroying the io_context destroys suspended sessions, whose
  // clean-up touches the registry.
  net::io_context ioc;
  std::optional<tcp::acceptor> acceptor;
  std::optional<net::ssl::context> tls_context;  // Set when the listener serves TLS.
  std::optional<net::thread_pool> pool;
  std::vector<std::thread> threads;

  net::awaitable<void> Accept();
  net::awaitable<void> Session(std::shared_ptr<Connection> c);
  // Writes `res` (its body moved into the message, not copied); false when the write failed.
  // An answer to HEAD carries the head alone, with the length the body would have had.
  net::awaitable<bool> Write(Connection& c, Response res, unsigned version, bool keep_alive,
                             bool head_only = false);
};

namespace {

// Runs `work` on the handler pool and resumes the caller on its own strand with the result.
template <typename T, typename F>
net::awaitable<T> OnPool(net::thread_pool& pool, F work) {
  co_return co_await net::co_spawn(
      pool, [work = std::move(work)]() -> net::awaitable<T> { co_return work(); },
      net::use_awaitable);
}

class Sink : public StreamSink {
 public:
  Sink(std::weak_ptr<Connection> conn, std::size_t limit) : conn_(std::move(conn)), limit_(limit) {}
  bool Send(std::string chunk) override {
    auto c = conn_.lock();
    if (!c || c->closed) return false;
    std::size_t limit = limit_;
    net::post(c->Tcp().get_executor(), [c, limit, chunk = std::move(chunk)]() mutable {
      if (c->closed) return;
      if (c->stream_bytes + chunk.size() > limit) {
        c->Close();  // A client that does not read is not allowed to grow our memory.
        return;
      }
      c->stream_bytes += chunk.size();
      c->stream_out.push_back(std::move(chunk));
      c->wake.cancel();
    });
    return true;
  }
  bool open() const override {
    auto c = conn_.lock();
    return c && !c->closed;
  }

 private:
  std::weak_ptr<Connection> conn_;
  std::size_t limit_;
};

std::string ChunkFrame(const std::string& data) {
  std::ostringstream frame;
  frame << std::hex << data.size() << "\r\n" << data << "\r\n";
  return frame.str();
}

// The head of every answer: the handler's content type and fields, then what any answer of ours
// carries unless its handler said otherwise. API answers are data, never a page: nothing may be
// loaded by them, sniffed from them, framed or cached (OWASP's REST headers). Files set their own
// policy and cache rule (files.cc). A TLS listener also tells browsers to keep to TLS.
template <typename Fields>
void SetHead(Fields& out, const Response& res, bool tls) {
  out.set(bhttp::field::content_type, res.content_type);
  for (const auto& [k, v] : res.headers) out.set(k, v);
  auto fallback = [&out](std::string_view name, std::string_view value) {
    if (out.find(name) == out.end()) out.set(name, value);
  };
  fallback("Cache-Control", "no-store");
  fallback("X-Content-Type-Options", "nosniff");
  fallback("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
  fallback("X-Frame-Options", "DENY");
  fallback("Referrer-Policy", "no-referrer");
  if (tls) fallback("Strict-Transport-Security", "max-age=31536000");
}

// A server-sent-event stream on one connection: the head goes out chunked, the service's sink
// queues chunks on the connection's strand, a ": ping" comment goes out every
// ServerOptions::stream_ping, and the connection closes when the client leaves, a write stalls
// past the write deadline, or the client lets more than stream_buffer_bytes pile up. Runs on the
// connection's strand until the stream ends; counted in the registry's streams meanwhile.
net::awaitable<void> ServeStream(std::shared_ptr<Connection> c, StreamResponse res,
                                 unsigned version, const ServerOptions& options,
                                 Registry& registry) {
  registry.AddStreams(1);
  bhttp::response<bhttp::empty_body> head{static_cast<bhttp::status>(res.head.status), version};
  SetHead(head, res.head, c->tls.has_value());
  head.chunked(true);
  head.keep_alive(false);
  bhttp::response_serializer<bhttp::empty_body> serializer{head};
  c->Tcp().expires_after(options.write_timeout);
  auto [ec, n] =
      co_await c->Io([&](auto& s) { return bhttp::async_write_header(s, serializer, kNoThrow); });
  if (!ec) {
    auto sink = std::make_shared<Sink>(c, options.stream_buffer_bytes);
    res.open(sink);
    // A client that leaves is noticed at once, not at the next ping: read (and ignore) whatever
    // it sends until the connection ends.
    net::co_spawn(
        c->Tcp().get_executor(),
        [c]() -> net::awaitable<void> {
          std::array<char, 512> scratch{};
          for (;;) {
            auto [rec, rn] = co_await c->Io(
                [&](auto& s) { return s.async_read_some(net::buffer(scratch), kNoThrow); });
            if (rec) break;
          }
          c->Close();
        },
        net::detached);
    while (!c->closed) {
      while (!c->stream_out.empty() && !c->closed) {
        std::string frame = ChunkFrame(c->stream_out.front());
        c->stream_bytes -= c->stream_out.front().size();
        c->stream_out.pop_front();
        c->Tcp().expires_after(options.write_timeout);
        auto [wec, wn] = co_await c->Io(
            [&](auto& s) { return net::async_write(s, net::buffer(frame), kNoThrow); });
        if (wec) c->Close();
      }
      if (c->closed) break;
      c->Tcp().expires_never();
      c->wake.expires_after(options.stream_ping);
      auto [tec] = co_await c->wake.async_wait(kNoThrow);
      if (!tec && c->stream_out.empty()) c->stream_out.emplace_back(": ping\n\n");
    }
  }
  c->Close();
  registry.AddStreams(-1);
}

void Report(const std::exception_ptr& e) {
  if (!e) return;
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    std::cerr << "http: connection ended by an exception: " << ex.what() << "\n";
  }
}

bool IsParseError(const beast::error_code& ec) {
  static const beast::error_code kProbe = bhttp::error::bad_method;
  return ec.category() == kProbe.category();
}

// The route for `method` on `path`, filling `params`; 405 with Allow when routes match `path`
// under other methods only; monostate when no route matches the path at all. A GET route that is
// not a stream also answers HEAD.
std::variant<std::monostate, const Route*, Response> FindRoute(
    const std::vector<Route>& routes, const std::string& method, const std::string& path,
    std::map<std::string, std::string>& params) {
  std::string allow;
  auto add = [&allow](const std::string& m) {
    if (allow.find(m) == std::string::npos) allow += allow.empty() ? m : ", " + m;
  };
  for (const Route& r : routes) {
    std::map<std::string, std::string> found;
    if (!r.pattern.Match(path, found)) continue;
    if (r.method == method) {
      params = std::move(found);
      return &r;
    }
    add(r.method);
    if (r.method == "GET" && !r.stream) add("HEAD");
  }
  if (allow.empty()) return std::monostate{};
  Response refusal = ErrorResponse(405, "method " + method.substr(0, 20) + " not allowed here");
  refusal.headers["Allow"] = allow;
  return refusal;
}

// Decides, from the request's headers alone, whether the request can be taken at all. A refusal
// here is about the message's framing: the connection closes after it (RFC 9112 §6.1, §6.3),
// since where its body ends, and so where a next request would start, is not known. Every field
// of a name counts, not just the first: a front proxy may read another one than we would.
std::optional<Response> CheckFraming(const bhttp::request_parser<bhttp::string_body>& parser) {
  const auto& h = parser.get();
  for (auto [it, end] = h.equal_range(bhttp::field::content_encoding); it != end; ++it) {
    if (routing::Lower(it->value()) != "identity")
      return ErrorResponse(415, "Content-Encoding '" + std::string(it->value().substr(0, 40)) +
                                    "' is not accepted; send the body unencoded");
  }
  auto [transfer, transfer_end] = h.equal_range(bhttp::field::transfer_encoding);
  for (auto it = transfer; it != transfer_end; ++it) {
    if (routing::Lower(it->value()) != "chunked" || std::next(it) != transfer_end)
      return ErrorResponse(400, "Transfer-Encoding other than one 'chunked' is not accepted");
  }
  // RFC 9112 §3.2: an HTTP/1.1 request names its host exactly once.
  auto [host, host_end] = h.equal_range(bhttp::field::host);
  auto hosts = std::distance(host, host_end);
  if (h.version() >= 11 && hosts != 1)
    return ErrorResponse(
        400, hosts == 0 ? "request has no Host header" : "request has more than one Host header");
  return std::nullopt;
}

}  // namespace

net::awaitable<void> Server::Impl::Accept() {
  for (;;) {
    auto [ec, socket] = co_await acceptor->async_accept(net::make_strand(ioc), kNoThrow);
    if (ec) {
      if (ec == net::error::operation_aborted || !acceptor->is_open()) co_return;
      // Out of descriptors, say: pause instead of spinning, then go on accepting.
      net::steady_timer pause(ioc, std::chrono::milliseconds(50));
      co_await pause.async_wait(kNoThrow);
      continue;
    }
    beast::error_code opt_ec;
    // Small answers go out at once: without TCP_NODELAY every keep-alive request waited ~40 ms
    // for Nagle's algorithm to meet the client's delayed ACK.
    socket.set_option(tcp::no_delay(true), opt_ec);
    auto c = std::make_shared<Connection>(std::move(socket), tls_context ? &*tls_context : nullptr);
    auto remote = c->Tcp().socket().remote_endpoint(opt_ec);
    c->peer = opt_ec ? "unknown" : remote.address().to_string();
    if (!registry.Admit(c)) {
      // Nothing idle to make room: say so briefly and close, without reading a byte.
      net::co_spawn(
          c->Tcp().get_executor(),
          [this, c]() -> net::awaitable<void> {
            co_await Write(*c, ErrorResponse(503, "too many connections; retry shortly"), 11,
                           false);
            c->Close();
          },
          net::detached);
      continue;
    }
    net::co_spawn(c->Tcp().get_executor(), Session(c), Report);
  }
}

net::awaitable<bool> Server::Impl::Write(Connection& c, Response res, unsigned version,
                                         bool keep_alive, bool head_only) {
  auto status = static_cast<bhttp::status>(res.status);
  c.Tcp().expires_after(options.write_timeout);
  if (head_only) {
    bhttp::response<bhttp::empty_body> out{status, version};
    SetHead(out, res, c.tls.has_value());
    out.keep_alive(keep_alive);
    out.content_length(res.body.size());
    auto [ec, n] = co_await c.Io([&](auto& s) { return bhttp::async_write(s, out, kNoThrow); });
    co_return !ec;
  }
  bhttp::response<bhttp::string_body> out{status, version};
  SetHead(out, res, c.tls.has_value());
  out.keep_alive(keep_alive);
  out.body() = std::move(res.body);
  out.prepare_payload();
  auto [ec, n] = co_await c.Io([&](auto& s) { return bhttp::async_write(s, out, kNoThrow); });
  co_return !ec;
}

net::awaitable<void> Server::Impl::Session(std::shared_ptr<Connection> c) {
  struct Forgetting {
    Impl* impl;
    Connection* c;
    ~Forgetting() { impl->registry.Forget(*c); }
  } forgetting{this, c.get()};
  if (c->tls) {
    // The TLS handshake must finish within the header deadline. Anything else (a plaintext
    // request, say) fails it and the connection is closed without an answer.
    c->Arm(options.header_timeout, c);
    auto [hec] = co_await c->tls->async_handshake(net::ssl::stream_base::server, kNoThrow);
    c->Disarm();
    if (hec) {
      registry.Count(&ServerStats::tls_refused);
      c->Close();
      co_return;
    }
  }
  beast::flat_buffer buffer;
  bool first = true;
  while (!c->closed) {
    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(options.max_header_bytes));
    parser.body_limit(options.max_body_bytes);
    registry.SetIdle(*c, true);
    c->Tcp().expires_never();
    c->Arm(first ? options.header_timeout : options.idle_timeout, c);
    auto [ec, n] = co_await c->Io(
        [&](auto& s) { return bhttp::async_read_header(s, buffer, parser, kNoThrow); });
    c->Disarm();
    registry.SetIdle(*c, false);
    if (ec) {
      if (c->expired) {
        registry.Count(&ServerStats::timed_out);
        if (buffer.size() > 0)
          co_await Write(*c, ErrorResponse(408, "request headers not received in time"), 11, false);
      } else if (ec == bhttp::error::header_limit) {
        co_await Write(*c, ErrorResponse(431, "request headers too large"), 11, false);
      } else if (ec == bhttp::error::body_limit) {
        co_await Write(*c, ErrorResponse(413, "request body too large"), 11, false);
      } else if (IsParseError(ec)) {
        co_await Write(*c, ErrorResponse(400, "malformed request: " + ec.message()), 11, false);
      }
      break;
    }
    first = false;
    auto& h = parser.get();
    unsigned version = h.version();
    routing::Target target = routing::ParseTarget(std::string_view(h.target()));
    std::string method(h.method_string());
    // RFC 9110 §9.3.2: HEAD is a GET whose answer goes without its body. It runs the GET route,
    // checks and audit included, so a HEAD learns nothing that a GET would not have recorded.
    bool head_only = method == "HEAD";
    static const std::string kGet = "GET";
    const std::string& as = head_only ? kGet : method;

    // Check the framing and find the route before reading any body: refusals cost the client,
    // not us.
    std::map<std::string, std::string> params;
    const Route* route = nullptr;
    bool is_file = false;
    std::optional<Response> early = CheckFraming(parser);
    bool framing_refused = early.has_value();
    if (!framing_refused && !target.error.empty()) {
      early = ErrorResponse(400, "request target refused: " + target.error);
    } else if (!framing_refused) {
      auto found = FindRoute(routes, as, target.path, params);
      if (auto* r = std::get_if<const Route*>(&found)) {
        route = *r;
        if (head_only && route->stream) {
          early = ErrorResponse(405, "method HEAD not allowed on a stream");
          early->headers["Allow"] = "GET";
        }
      } else if (files.Covers(target.path)) {
        if (as == "GET") {
          is_file = true;
        } else {
          early = ErrorResponse(405, "method " + method.substr(0, 20) + " not allowed here");
          early->headers["Allow"] = "GET, HEAD";
        }
      } else if (auto* refusal = std::get_if<Response>(&found)) {
        early = std::move(*refusal);
      } else {
        early = ErrorResponse(404, "no such endpoint");
      }
    }
    if (early) {
      // The body (if any) stays unread, so the connection cannot carry another request. Nor can
      // one whose framing was refused: its body's end is not known.
      bool keep = !framing_refused && parser.is_done() && h.keep_alive();
      if (!co_await Write(*c, std::move(*early), version, keep, head_only) || !keep) break;
      continue;
    }

    if (!parser.is_done()) {
      auto expect = h.find(bhttp::field::expect);
      if (expect != h.end() && routing::Lower(expect->value()) == "100-continue") {
        bhttp::response<bhttp::empty_body> cont{bhttp::status::continue_, version};
        c->Tcp().expires_after(options.write_timeout);
        auto [cec, cn] =
            co_await c->Io([&](auto& s) { return bhttp::async_write(s, cont, kNoThrow); });
        if (cec) break;
      }
      c->Tcp().expires_never();
      c->Arm(options.body_timeout, c);
      auto [bec, bn] =
          co_await c->Io([&](auto& s) { return bhttp::async_read(s, buffer, parser, kNoThrow); });
      c->Disarm();
      if (bec) {
        if (bec == bhttp::error::body_limit) {
          co_await Write(*c, ErrorResponse(413, "request body too large"), version, false);
        } else if (c->expired) {
          registry.Count(&ServerStats::timed_out);
          co_await Write(*c, ErrorResponse(408, "request body not received in time"), version,
                         false);
        } else if (IsParseError(bec)) {
          co_await Write(*c, ErrorResponse(400, "malformed request body: " + bec.message()),
                         version, false);
        }
        break;
      }
    }

    bool keep_alive = h.keep_alive();
    Request req;
    req.method = method;
    req.path = std::move(target.path);
    req.query = std::move(target.query);
    req.path_params = std::move(params);
    req.peer = c->peer;
    for (const auto& field : h)
      req.headers.emplace(routing::Lower(field.name_string()), field.value());
    req.body = std::move(h.body());

    Response res;
    std::optional<Response> from_memory;
    if (!is_file && route->dispatch == Dispatch::kInlineFirst) {
      from_memory = CallWithoutWaiting(route->handler, req);
      if (!from_memory) registry.Count(&ServerStats::inline_retried);
    }
    if (from_memory) {
      res = std::move(*from_memory);
    } else if (is_file) {
      res = co_await OnPool<Response>(*pool, [this, &req] {
        return files.Serve(req.path).value_or(ErrorResponse(404, "no such file"));
      });
    } else if (route->dispatch == Dispatch::kInline) {
      res = Call(route->handler, req);
    } else if (pending.fetch_add(1) >= options.max_pending_requests) {
      pending.fetch_sub(1);
      res = ErrorResponse(503, "server busy; retry shortly");
      res.headers["Retry-After"] = "1";
    } else if (route->stream) {
      StreamResponse streamed = co_await OnPool<StreamResponse>(*pool, [&route, &req] {
        try {
          return route->stream(req);
        } catch (const std::exception& e) {
          std::cerr << "http: stream handler for " << req.path << " threw: " << e.what() << "\n";
          return StreamResponse{.head = ErrorResponse(500, "internal error"), .open = {}};
        }
      });
      pending.fetch_sub(1);
      if (streamed.open) {
        co_await ServeStream(c, std::move(streamed), version, options, registry);
        break;
      }
      res = std::move(streamed.head);
    } else {
      res = co_await OnPool<Response>(*pool, [&route, &req] { return Call(route->handler, req); });
      pending.fetch_sub(1);
    }
    if (res.after) {
      std::function<void(Completion)> after = std::move(res.after);
      res.after = nullptr;
      std::optional<Response> instead = co_await AwaitHeld(std::move(after));
      if (instead) res = std::move(*instead);
    }
    if (!co_await Write(*c, std::move(res), version, keep_alive, head_only) || !keep_alive) break;
  }
  c->Close();
}

Server::Server(ServerOptions options) : impl_(std::make_shared<Impl>(std::move(options))) {}

Server::~Server() { Stop(); }

namespace {
void AddRoute(std::vector<Route>& routes, const char* method, const std::string& pattern,
              Handler handler, StreamHandler stream, Dispatch dispatch) {
  routes.push_back({.method = method,
                    .pattern = routing::Pattern(pattern),
                    .handler = std::move(handler),
                    .stream = std::move(stream),
                    .dispatch = dispatch});
}
}  // namespace

void Server::Get(const std::string& pattern, Handler handler, Dispatch dispatch) {
  AddRoute(impl_->routes, "GET", pattern, std::move(handler), {}, dispatch);
}

void Server::Post(const std::string& pattern, Handler handler, Dispatch dispatch) {
  AddRoute(impl_->routes, "POST", pattern, std::move(handler), {}, dispatch);
}

void Server::GetStream(const std::string& pattern, StreamHandler handler) {
  AddRoute(impl_->routes, "GET", pattern, {}, std::move(handler), Dispatch::kPool);
}

Status Server::ServeFiles(const std::string& mount, const std::string& root) {
  return impl_->files.Add(mount, root);
}

StatusOr<int> Server::Start() {
  Impl& impl = *impl_;
  // Thousands of connections need thousands of descriptors: take what the hard limit allows.
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
  beast::error_code ec;
  auto address = net::ip::make_address(impl.options.host, ec);
  std::string where = impl.options.host + ":" + std::to_string(impl.options.port);
  if (ec) return InvalidArgument("cannot listen on " + where + ": not an IP address");
  auto tls = ListenerTls(impl.options.tls, address.is_loopback(), where);
  if (!tls.ok()) return tls.status();
  impl.tls_context = std::move(tls).value();
  tcp::endpoint endpoint(address, static_cast<unsigned short>(impl.options.port));
  tcp::acceptor acceptor(impl.ioc);
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) return Unavailable("cannot listen on " + where + " (" + ec.message() + ")");
  int port = acceptor.local_endpoint().port();
  impl.acceptor.emplace(std::move(acceptor));
  impl.pool.emplace(static_cast<std::size_t>(std::max(1, impl.options.threads)));
  net::co_spawn(impl.ioc, impl.Accept(), Report);
  for (int i = 0; i < std::max(1, impl.options.io_threads); ++i)
    impl.threads.emplace_back([&impl] { impl.ioc.run(); });
  return port;
}

void Server::Stop() {
  Impl& impl = *impl_;
  auto still_open = impl.registry.StopAdmitting();
  if (!still_open) return;
  std::vector<std::shared_ptr<Connection>> open = std::move(*still_open);
  if (impl.acceptor) net::post(impl.ioc, [&impl] { impl.acceptor->close(); });
  for (auto& c : open) net::post(c->Tcp().get_executor(), [c] { c->Close(); });
  if (impl.pool) impl.pool->join();  // Handlers in flight finish.
  {
    // So do held answers (each Completion is bounded by what it waits for: a Kafka delivery
    // timeout, say); their callers may be destroyed once Stop returns.
    std::unique_lock lock(impl.held_mu);
    impl.held_settled.wait(lock, [&impl] { return impl.held == 0; });
  }
  impl.ioc.stop();
  for (std::thread& t : impl.threads)
    if (t.joinable()) t.join();
  // Nothing runs now: release the port and the sockets at once, not when the server is destroyed.
  beast::error_code ec;
  if (impl.acceptor) impl.acceptor->close(ec);
  for (auto& c : open) c->Close();
}

bool Server::Tls() const { return impl_->tls_context.has_value(); }

ServerStats Server::Stats() const { return impl_->registry.Stats(); }

}  // namespace sightline::http
