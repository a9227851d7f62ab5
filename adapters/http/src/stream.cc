#include "stream.h"

#include <array>
#include <boost/beast/http.hpp>
#include <sstream>

namespace sightline::http {

namespace bhttp = boost::beast::http;

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

}  // namespace

net::awaitable<void> ServeStream(std::shared_ptr<Connection> c, StreamResponse res,
                                 unsigned version, const ServerOptions& options,
                                 Registry& registry) {
  registry.AddStreams(1);
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
  registry.AddStreams(-1);
}

}  // namespace sightline::http
