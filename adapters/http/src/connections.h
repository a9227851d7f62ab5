// The server's connections (internal to sightline_http): one accepted connection, with its
// stream (plain or TLS), its read deadline and its queue of stream chunks; and the registry that
// caps connections per listener and per client address, making room at a cap by closing the
// connection that has been idle longest.
//
// Thread-safety: a Connection's socket, deadline and stream fields are touched only on its
// strand; its registry fields (id, idle, idle_since) and everything in the Registry are guarded
// by the Registry's mutex. Connections are shared (std::shared_ptr) by their session and the
// registry's weak references.
#pragma once

#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "sightline/http/server.h"

namespace sightline::http {

namespace net = boost::asio;
namespace beast = boost::beast;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;
// Asynchronous operations that report errors as values instead of throwing.
inline constexpr auto kNoThrow = net::as_tuple(net::use_awaitable);

// One accepted connection. Its socket lives on a strand; `stream_out` and `wake` are touched only
// there. The registry fields (id, idle, idle_since) are guarded by Registry's mutex.
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

class Registry {
 public:
  Registry(int max_connections, int max_per_address)
      : max_connections_(max_connections), max_per_address_(max_per_address) {}

  // Registers `c`, making room at a cap by closing the longest-idle connection (of the same
  // address when that address is at its cap). False when nothing could make room, or when the
  // server is stopping.
  bool Admit(const std::shared_ptr<Connection>& c);
  // Forgets `c` (its session has ended); a second call does nothing.
  void Forget(Connection& c);
  // Marks `c` as waiting for a request (a candidate for eviction) or not.
  void SetIdle(Connection& c, bool idle);
  void Count(std::uint64_t ServerStats::*field);
  void AddStreams(int delta);
  // From now on Admit refuses. The connections open now, for the caller to close; nullopt when
  // the registry was already stopping.
  std::optional<std::vector<std::shared_ptr<Connection>>> StopAdmitting();
  ServerStats Stats() const;

 private:
  // Idle connections ordered by how long they have waited, in all and per address, so that
  // making room at a cap costs O(log n) however many connections are open.
  using IdleKey = std::pair<Clock::time_point, std::uint64_t>;
  struct Address {
    int count = 0;
    std::set<IdleKey> idle;
  };
  void UnidleLocked(Connection& c);
  void ForgetLocked(Connection& c);

  const int max_connections_;
  const int max_per_address_;
  mutable std::mutex mu_;
  std::map<std::uint64_t, std::weak_ptr<Connection>> conns_;
  std::map<std::string, Address> addresses_;
  std::set<IdleKey> idle_all_;
  std::uint64_t next_id_ = 0;
  ServerStats stats_;
  bool stopping_ = false;
};

}  // namespace sightline::http
