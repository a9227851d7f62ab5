// The HTTP/1.1 server of every Sightline service (health, metrics, JSON APIs, the triage screen),
// built on Boost.Beast and Asio (ADR 0008) so that services see only these plain structs.
//
// Made for hostile networks: connections cost no thread (a few I/O threads serve them all);
// headers, bodies and idle keep-alive connections have deadlines; connections are capped per
// listener and per client address (at a cap the longest-waiting idle connection makes room);
// bodies are capped whatever their framing (Content-Length or chunked) and encoded bodies are
// refused; handlers run on a bounded pool, and routes marked kInline (health, readiness) answer
// on the I/O thread even when that pool is busy. Every refusal is a JSON body naming its reason.
//
// Lifecycle: construct, add routes, Start() (binds; port 0 picks a free port and Start returns
// it), then Stop() or destruction. Handlers must be thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "sightline/core/status.h"

namespace sightline::http {

struct Request {
  std::string method;
  std::string path;  // Percent-decoded, without the query.
  std::string body;
  std::multimap<std::string, std::string> headers;  // Names lower-cased.
  std::multimap<std::string, std::string> query;    // Percent-decoded ('+' is a space).
  std::map<std::string, std::string> path_params;   // From ":name" segments of the route.
  std::string peer;                                 // The client's address ("127.0.0.1").

  // The header's value, or nullopt when absent.
  std::optional<std::string> Header(const std::string& lower_name) const;
  // Content-Type without parameters, lower-cased: "Application/JSON; charset=x" ->
  // "application/json".
  std::string MediaType() const;
  // The credentials of "Authorization: Bearer <token>", the scheme in any case; nullopt when the
  // header is absent or names another scheme.
  std::optional<std::string> BearerToken() const;
};

struct Response;
// Completes a held response (see Response::after): with nullopt the response is sent as it is;
// with a Response, that one is sent instead.
using Completion = std::function<void(std::optional<Response> instead)>;

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::map<std::string, std::string> headers;
  // Set by a handler whose answer must wait for something that needs no thread, such as Kafka
  // acknowledging the audit record of a read. Once the handler has returned, the server calls
  // `after` with a Completion and sends the answer when the Completion runs. The Completion runs
  // exactly once, on any thread. The handler's pool thread is free meanwhile.
  std::function<void(Completion)> after = {};
};

// The answer a client would get: `response` itself, or, when it is held (`after`), what it
// completes with, waited for on this thread. For tests and synchronous callers.
Response Settle(Response response);

// A JSON error body {"error": reason} with `status` (the shape of every refusal).
Response ErrorResponse(int status, std::string_view reason);

using Handler = std::function<Response(const Request&)>;

// One open server-sent-event stream, held by the service that feeds it. Thread-safe; costs no
// thread. Send queues a chunk for the client and returns false once the stream has closed (the
// client left, a write stalled past the write deadline, or the server stopped); a client that
// lets more than ServerOptions::stream_buffer_bytes pile up is disconnected. The server itself
// writes a ": ping" comment every ServerOptions::stream_ping so that proxies keep it open and a
// departed client is noticed.
class StreamSink {
 public:
  virtual ~StreamSink() = default;
  virtual bool Send(std::string chunk) = 0;
  virtual bool open() const = 0;
};

// A long-lived response. When `open` is empty, `head` is sent as an ordinary response (a
// refusal, say). Otherwise head's status, type and headers go out and `open` is called once
// with the stream's sink, on the handler pool, after the head has been queued.
struct StreamResponse {
  Response head;
  std::function<void(std::shared_ptr<StreamSink>)> open;
};
using StreamHandler = std::function<StreamResponse(const Request&)>;

// Where a route's handler runs. kPool: on the handler pool (anything that reads a store or waits
// on Kafka). kInline: on the I/O thread, for answers that take microseconds and must not wait
// behind a busy pool (/healthz, /readyz). kInlineFirst: on the I/O thread within a NoWaitScope
// (sightline/core/no_wait.h), for short reads that can usually be answered from memory; if
// anything in the handler refused to wait (a store read that would go to disk), that answer is
// thrown away unsent and the handler runs again on the pool, as for kPool. Such a handler must do
// nothing that outlives a thrown-away answer (its held work runs only for the answer sent).
enum class Dispatch { kPool, kInline, kInlineFirst };

// TLS on a listener (PEM files). Without a certificate a listener serves plaintext, and only on
// a loopback address.
struct TlsOptions {
  std::string cert_file;       // Certificate chain, leaf first.
  std::string key_file;        // Its private key (keep it mode 0600).
  std::string client_ca_file;  // When set, clients must present a certificate this CA signed.
};

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 0;
  std::size_t max_body_bytes = 1 << 20;
  int threads = 8;  // Handler pool.
  int io_threads = 1;
  std::size_t max_header_bytes = std::size_t{16} * 1024;
  std::chrono::milliseconds header_timeout{10'000};  // First request's headers, from accept.
  std::chrono::milliseconds body_timeout{30'000};    // A request's whole body.
  std::chrono::milliseconds idle_timeout{30'000};    // Keep-alive, waiting for the next request.
  std::chrono::milliseconds write_timeout{30'000};   // Any one response write.
  int max_connections = 8192;
  int max_connections_per_address = 2048;
  int max_pending_requests = 512;  // Waiting for or on the pool; beyond it, 503.
  std::chrono::milliseconds stream_ping{15'000};
  std::size_t stream_buffer_bytes = 1 << 20;
  TlsOptions tls = {};
};

// Counts for tests and operators (a snapshot).
struct ServerStats {
  int connections = 0;
  int streams = 0;
  std::uint64_t evicted = 0;  // Idle connections closed to make room at a cap.
  std::uint64_t refused = 0;  // Connections refused at a cap with nothing idle to evict.
  std::uint64_t timed_out = 0;
  std::uint64_t tls_refused = 0;  // Connections whose TLS handshake failed (plaintext, say).
  // kInlineFirst answers thrown away because something refused to wait, and made on the pool.
  std::uint64_t inline_retried = 0;
};

class Server {
 public:
  explicit Server(ServerOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Routes use exact paths or ":name" segments ("/v1/children/:id"). A path that matches a
  // route under another method gets 405 with Allow.
  void Get(const std::string& pattern, Handler handler, Dispatch dispatch = Dispatch::kPool);
  void Post(const std::string& pattern, Handler handler, Dispatch dispatch = Dispatch::kPool);
  void GetStream(const std::string& pattern, StreamHandler handler);
  // Serves the files under `root` at URL prefix `mount` ("/app"); "/app/" serves index.html.
  Status ServeFiles(const std::string& mount, const std::string& root);

  // Binds and starts serving on background threads; returns the bound port.
  StatusOr<int> Start();
  void Stop();
  ServerStats Stats() const;
  bool Tls() const;  // Whether the listener serves TLS (after Start).

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace sightline::http
