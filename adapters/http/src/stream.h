// A server-sent-event stream on one connection (internal to sightline_http): the head goes out
// chunked, the service's StreamSink queues chunks on the connection's strand, a ": ping" comment
// goes out every ServerOptions::stream_ping, and the connection closes when the client leaves, a
// write stalls past the write deadline, or the client lets more than stream_buffer_bytes pile up.
#pragma once

#include <memory>

#include "connections.h"
#include "sightline/http/server.h"

namespace sightline::http {

// Runs on the connection's strand until the stream ends, then closes the connection. Counted in
// the registry's streams while it runs.
net::awaitable<void> ServeStream(std::shared_ptr<Connection> c, StreamResponse res,
                                 unsigned version, const ServerOptions& options,
                                 Registry& registry);

}  // namespace sightline::http
