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
#include <deque>
#include <filesystem>
#include <fstream>
#include <future>
#include <iostream>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>
#include <vector>

#include "routing.h"
#include "sightline/core/no_wait.h"

namespace sightline::http {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;
constexpr auto kNoThrow = net::as_tuple(net::use_awaitable);

std::optional<std::string> Request::Header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  if (it == headers.end()) return std::nullopt;
  return it->second;
}

std::string Request::MediaType() const {
  return routing::MediaType(Header("content-type").value_or(""));
}

std::optional<std::string> Request::BearerToken() const {
  auto header = Header("authorization");
  if (!header) return std::nullopt;
  std::string_view v = *header;
  constexpr std::string_view kScheme = "bearer";
  if (v.size() <= kScheme.size() || routing::Lower(v.substr(0, kScheme.size())) != kScheme ||
      (v[kScheme.size()] != ' ' && v[kScheme.size()] != '\t'))
    return std::nullopt;
  v.remove_prefix(kScheme.size());
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  if (v.empty()) return std::nullopt;
  return std::string(v);
}

Response ErrorResponse(int status, std::string_view reason) {
  // A minimal JSON string escape: reasons are ours, but may quote a client's header.
  std::string body = R"({"error":")";
  for (char c : reason) {
    if (c == '"' || c == '\\') {
      body.push_back('\\');
      body.push_back(c);
    } else if (static_cast<unsigned char>(c) < 0x20) {
      body.push_back(' ');
    } else {
      body.push_back(c);
    }
  }
  body += "\"}";
  return Response{
      .status = status, .content_type = "application/json", .body = body, .headers = {}};
}

namespace {

struct Route {
  std::string method;
  routing::Pattern pattern;
  Handler handler;
  StreamHandler stream;
  Dispatch dispatch = Dispatch::kPool;
};

struct Mount {
  std::string prefix;  // "/app"
  std::filesystem::path root;
};

constexpr std::size_t kMaxFileBytes = 32 << 20;

}  // namespace

// One accepted connection. Its socket lives on a strand; `stream_out` and `wake` are touched only
// there. The registry fields (id, idle, idle_since) are guarded by Impl::mu.
struct Connection {
  Connection(tcp::socket socket, net::ssl::context* tls_context)
      : wake(socket.get_executor()), deadline(socket.get_executor()) {
    if (tls_context) {
      tls.emplace(std::move(socket), *tls_context);
    } else {
      plain.emplace(std::move(socket));
    }
  }
  // One of the two: a plaintext stream, or TLS over one.
  std::optional<beast::tcp_stream> plain;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls;
  beast::tcp_stream& Tcp() { return tls ? beast::get_lowest_layer(*tls) : *plain; }
  // Runs an asynchronous operation on whichever stream carries HTTP (TLS or plain).
  template <class Op>
  auto Io(Op&& op) {
    return tls ? op(*tls) : op(*plain);
  }
  net::steady_timer wake;  // Wakes a stream's writer when chunks arrive.
  // Read deadlines cancel the read but keep the socket, so that a 408 can still be written
  // (beast's own stream timeout closes it). `generation` tells a stale expiry from a live one.
  net::steady_timer deadline;
  std::uint64_t generation = 0;
  bool expired = false;
  std::string peer;
  std::uint64_t id = 0;
  bool idle = false;
  Clock::time_point idle_since;
  std::deque<std::string> stream_out;
  std::size_t stream_bytes = 0;
  std::atomic<bool> closed{false};

  // On the strand: closes the socket, ending whatever the session awaits.
  void Close() {
    closed = true;
    beast::error_code ec;
    Tcp().socket().shutdown(tcp::socket::shutdown_both, ec);
    Tcp().socket().close(ec);
    wake.cancel();
    deadline.cancel();
  }

  // On the strand: the read that follows is cancelled if it has not finished within `limit`.
  void Arm(std::chrono::milliseconds limit, const std::shared_ptr<Connection>& self) {
    expired = false;
    std::uint64_t mine = ++generation;
    deadline.expires_after(limit);
    deadline.async_wait([self, mine](const beast::error_code& ec) {
      if (ec || self->generation != mine) return;
      self->expired = true;
      beast::error_code ignored;
      self->Tcp().socket().cancel(ignored);
    });
  }
  void Disarm() {
    ++generation;
    deadline.cancel();
  }
};

namespace {

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
  ServerOptions options;
  std::vector<Route> routes;
  std::vector<Mount> mounts;

  // The registry, guarded by `mu`: every open connection, and the idle ones (waiting for a
  // request) ordered by how long they have waited, in all and per address, so that making room
  // at a cap costs O(log n) however many connections are open.
  using IdleKey = std::pair<Clock::time_point, std::uint64_t>;
  struct Address {
    int count = 0;
    std::set<IdleKey> idle;
  };
  mutable std::mutex mu;
  std::map<std::uint64_t, std::weak_ptr<Connection>> conns;
  std::map<std::string, Address> addresses;
  std::set<IdleKey> idle_all;
  std::uint64_t next_id = 0;
  ServerStats stats;
  bool stopping = false;

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

  // Registers `c`, making room at a cap by closing the longest-idle connection (of the same
  // address when that address is at its cap). False when nothing could make room.
  bool Admit(const std::shared_ptr<Connection>& c) {
    std::lock_guard lock(mu);
    if (stopping) return false;
    bool over_total = static_cast<int>(conns.size()) >= options.max_connections;
    auto mine = addresses.find(c->peer);
    bool over_mine =
        mine != addresses.end() && mine->second.count >= options.max_connections_per_address;
    if (over_total || over_mine) {
      const std::set<IdleKey>& candidates = over_mine ? mine->second.idle : idle_all;
      std::shared_ptr<Connection> victim;
      if (!candidates.empty()) victim = conns[candidates.begin()->second].lock();
      if (!victim) {
        ++stats.refused;
        return false;
      }
      ++stats.evicted;
      ForgetLocked(*victim);
      net::post(victim->Tcp().get_executor(), [victim] { victim->Close(); });
    }
    c->id = ++next_id;
    conns[c->id] = c;
    ++addresses[c->peer].count;
    return true;
  }

  void UnidleLocked(Connection& c) {
    if (!c.idle) return;
    c.idle = false;
    IdleKey key{c.idle_since, c.id};
    idle_all.erase(key);
    auto it = addresses.find(c.peer);
    if (it != addresses.end()) it->second.idle.erase(key);
  }

  void ForgetLocked(Connection& c) {
    if (conns.erase(c.id) == 0) return;
    UnidleLocked(c);
    auto it = addresses.find(c.peer);
    if (it != addresses.end() && --it->second.count <= 0) addresses.erase(it);
  }

  void Forget(Connection& c) {
    std::lock_guard lock(mu);
    ForgetLocked(c);
  }

  void SetIdle(Connection& c, bool idle) {
    std::lock_guard lock(mu);
    UnidleLocked(c);
    if (!idle || conns.count(c.id) == 0) return;  // Evicted meanwhile: it is closing.
    c.idle = true;
    c.idle_since = Clock::now();
    idle_all.insert({c.idle_since, c.id});
    addresses[c.peer].idle.insert({c.idle_since, c.id});
  }

  void Count(std::uint64_t ServerStats::*field) {
    std::lock_guard lock(mu);
    ++(stats.*field);
  }

  net::awaitable<void> Accept();
  net::awaitable<void> Session(std::shared_ptr<Connection> c);
  net::awaitable<bool> Write(Connection& c, const Response& res, unsigned version, bool keep_alive);
  net::awaitable<void> Stream(std::shared_ptr<Connection> c, StreamResponse res, unsigned version);
  std::optional<Response> ServeFile(const std::string& path) const;
};

namespace {

// Runs `work` on the handler pool and resumes the caller on its own strand with the result.
template <typename T, typename F>
net::awaitable<T> OnPool(net::thread_pool& pool, F work) {
  co_return co_await net::co_spawn(
      pool, [work = std::move(work)]() -> net::awaitable<T> { co_return work(); },
      net::use_awaitable);
}

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

// Decides, from the request's headers alone, whether the body can be accepted at all.
std::optional<Response> CheckFraming(const bhttp::request_parser<bhttp::string_body>& parser) {
  const auto& h = parser.get();
  auto coding = h.find(bhttp::field::content_encoding);
  if (coding != h.end() && routing::Lower(coding->value()) != "identity") {
    return ErrorResponse(415, "Content-Encoding '" + std::string(coding->value().substr(0, 40)) +
                                  "' is not accepted; send the body unencoded");
  }
  auto transfer = h.find(bhttp::field::transfer_encoding);
  if (transfer != h.end() && routing::Lower(transfer->value()) != "chunked") {
    return ErrorResponse(400, "Transfer-Encoding other than 'chunked' is not accepted");
  }
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
    if (!Admit(c)) {
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

net::awaitable<bool> Server::Impl::Write(Connection& c, const Response& res, unsigned version,
                                         bool keep_alive) {
  bhttp::response<bhttp::string_body> out{static_cast<bhttp::status>(res.status), version};
  out.set(bhttp::field::content_type, res.content_type);
  for (const auto& [k, v] : res.headers) out.set(k, v);
  out.keep_alive(keep_alive);
  out.body() = res.body;
  out.prepare_payload();
  c.Tcp().expires_after(options.write_timeout);
  auto [ec, n] = co_await c.Io([&](auto& s) { return bhttp::async_write(s, out, kNoThrow); });
  co_return !ec;
}

std::optional<Response> Server::Impl::ServeFile(const std::string& path) const {
  for (const Mount& m : mounts) {
    if (path.compare(0, m.prefix.size(), m.prefix) != 0) continue;
    std::string rest = path.substr(m.prefix.size());
    if (!rest.empty() && rest[0] != '/') continue;
    if (rest.empty()) {
      Response r{.status = 301, .content_type = "text/plain", .body = {}, .headers = {}};
      r.headers["Location"] = m.prefix + "/";
      return r;
    }
    auto relative = routing::SafeRelativePath(rest);
    if (!relative) return ErrorResponse(404, "no such file");
    std::filesystem::path file = m.root / *relative;
    std::error_code ec;
    auto size = std::filesystem::file_size(file, ec);
    if (ec || !std::filesystem::is_regular_file(file, ec))
      return ErrorResponse(404, "no such file");
    if (size > kMaxFileBytes) return ErrorResponse(500, "file too large to serve");
    std::ifstream in(file, std::ios::binary);
    std::string body(size, '\0');
    if (!in.read(body.data(), static_cast<std::streamsize>(size)))
      return ErrorResponse(500, "cannot read file");
    Response r{.status = 200,
               .content_type = routing::FileType(*relative),
               .body = std::move(body),
               .headers = {}};
    r.headers["Cache-Control"] = "no-cache";
    r.headers["X-Content-Type-Options"] = "nosniff";
    return r;
  }
  return std::nullopt;
}

net::awaitable<void> Server::Impl::Stream(std::shared_ptr<Connection> c, StreamResponse res,
                                          unsigned version) {
  {
    std::lock_guard lock(mu);
    ++stats.streams;
  }
  bhttp::response<bhttp::empty_body> head{static_cast<bhttp::status>(res.head.status), version};
  head.set(bhttp::field::content_type, res.head.content_type);
  for (const auto& [k, v] : res.head.headers) head.set(k, v);
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
  std::lock_guard lock(mu);
  --stats.streams;
}

net::awaitable<void> Server::Impl::Session(std::shared_ptr<Connection> c) {
  struct Forgetting {
    Impl* impl;
    Connection* c;
    ~Forgetting() { impl->Forget(*c); }
  } forgetting{this, c.get()};
  if (c->tls) {
    // The TLS handshake must finish within the header deadline. Anything else (a plaintext
    // request, say) fails it and the connection is closed without an answer.
    c->Arm(options.header_timeout, c);
    auto [hec] = co_await c->tls->async_handshake(net::ssl::stream_base::server, kNoThrow);
    c->Disarm();
    if (hec) {
      Count(&ServerStats::tls_refused);
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
    SetIdle(*c, true);
    c->Tcp().expires_never();
    c->Arm(first ? options.header_timeout : options.idle_timeout, c);
    auto [ec, n] = co_await c->Io(
        [&](auto& s) { return bhttp::async_read_header(s, buffer, parser, kNoThrow); });
    c->Disarm();
    SetIdle(*c, false);
    if (ec) {
      if (c->expired) {
        Count(&ServerStats::timed_out);
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

    // Find the route before reading any body: refusals cost the client, not us.
    const Route* route = nullptr;
    std::map<std::string, std::string> params;
    std::string allow;
    for (const Route& r : routes) {
      std::map<std::string, std::string> found;
      if (!r.pattern.Match(target.path, found)) continue;
      if (r.method == method) {
        route = &r;
        params = std::move(found);
        break;
      }
      if (allow.find(r.method) == std::string::npos)
        allow += allow.empty() ? r.method : ", " + r.method;
    }
    std::optional<Response> early;
    bool is_file = false;
    if (!route) {
      bool file_path = false;
      for (const Mount& m : mounts)
        if (target.path.compare(0, m.prefix.size(), m.prefix) == 0) file_path = true;
      if (file_path && method == "GET") {
        is_file = true;
      } else if (file_path || !allow.empty()) {
        early = ErrorResponse(405, "method " + method.substr(0, 20) + " not allowed here");
        early->headers["Allow"] = file_path ? "GET" : allow;
      } else {
        early = ErrorResponse(404, "no such endpoint");
      }
    }
    if (!early) early = CheckFraming(parser);
    if (early) {
      // The body (if any) stays unread, so the connection cannot carry another request.
      bool keep = parser.is_done() && h.keep_alive();
      if (!co_await Write(*c, *early, version, keep) || !keep) break;
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
          Count(&ServerStats::timed_out);
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
      if (!from_memory) Count(&ServerStats::inline_retried);
    }
    if (from_memory) {
      res = std::move(*from_memory);
    } else if (is_file) {
      res = co_await OnPool<Response>(*pool, [this, &req] {
        return ServeFile(req.path).value_or(ErrorResponse(404, "no such file"));
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
        co_await Stream(c, std::move(streamed), version);
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
    if (!co_await Write(*c, res, version, keep_alive) || !keep_alive) break;
  }
  c->Close();
}

Response Settle(Response response) {
  if (!response.after) return response;
  std::function<void(Completion)> after = std::move(response.after);
  response.after = nullptr;
  std::promise<std::optional<Response>> settled;
  std::future<std::optional<Response>> answer = settled.get_future();
  after([&settled](std::optional<Response> instead) { settled.set_value(std::move(instead)); });
  std::optional<Response> instead = answer.get();
  return instead ? std::move(*instead) : std::move(response);
}

Server::Server(ServerOptions options) : impl_(std::make_shared<Impl>()) {
  impl_->options = std::move(options);
}

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
  std::error_code ec;
  if (!std::filesystem::is_directory(root, ec)) {
    return InvalidArgument("cannot serve files from '" + root + "': not a directory");
  }
  std::string prefix = mount;
  while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
  impl_->mounts.push_back({prefix, std::filesystem::path(root)});
  return Status::Ok();
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
  const TlsOptions& tls = impl.options.tls;
  if (tls.cert_file.empty() != tls.key_file.empty())
    return InvalidArgument("http.tls: cert_file and key_file go together");
  if (tls.cert_file.empty() && !tls.client_ca_file.empty())
    return InvalidArgument("http.tls.client_ca_file needs cert_file and key_file");
  if (tls.cert_file.empty() && !address.is_loopback())
    return InvalidArgument("cannot listen on " + where +
                           " in plaintext: set http.tls.cert_file and key_file (plaintext is for "
                           "loopback addresses only)");
  if (!tls.cert_file.empty()) {
    auto context = MakeServerContext(tls);
    if (!context.ok()) return context.status();
    impl.tls_context.emplace(std::move(context).value());
  }
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
  std::vector<std::shared_ptr<Connection>> open;
  {
    std::lock_guard lock(impl.mu);
    if (impl.stopping) return;
    impl.stopping = true;
    for (auto& [id, weak] : impl.conns)
      if (auto c = weak.lock()) open.push_back(c);
  }
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

ServerStats Server::Stats() const {
  std::lock_guard lock(impl_->mu);
  ServerStats s = impl_->stats;
  s.connections = static_cast<int>(impl_->conns.size());
  return s;
}

}  // namespace sightline::http
