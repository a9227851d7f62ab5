// The HTTP adapter against real sockets: routing, limits, deadlines, caps, streams and files.
// Raw sockets play the hostile clients that a well-behaved client library would never be.
#include "sightline/http/server.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>
#include <set>
#include <thread>

#include "process.h"
#include "raw_socket.h"
#include "sightline/core/no_wait.h"
#include "sightline/core/text.h"
#include "sightline/http/client.h"

namespace sightline::http {
namespace {

using ::testing::HasSubstr;
using namespace std::chrono_literals;

using Raw = testing::RawSocket;

Response Text(std::string body) {
  return Response{
      .status = 200, .content_type = "text/plain", .body = std::move(body), .headers = {}};
}

std::string Url(int port) { return "http://127.0.0.1:" + std::to_string(port); }

TEST(HttpServer, RoutesPathParamsAndLimits) {
  Server server({.host = "127.0.0.1", .port = 0, .max_body_bytes = 2048, .threads = 2});
  server.Get("/v1/children/:id", [](const Request& r) {
    return Text("child " + r.path_params.at("id") + " q=" + r.query.find("q")->second);
  });
  server.Post("/echo", [](const Request& r) {
    return Response{.status = 201, .content_type = "text/plain", .body = r.body, .headers = {}};
  });
  auto port = server.Start();
  ASSERT_TRUE(port.ok()) << port.status().message();
  std::string url = Url(port.value());

  auto child = Get(url, "/v1/children/c%3A17?q=ann+o%27neil");
  ASSERT_TRUE(child.ok());
  EXPECT_EQ(child.value().body, "child c:17 q=ann o'neil");

  // A target that cannot be read one way only is refused before any route sees it: an encoded
  // '/' (the path is split after decoding), an encoded NUL, or a malformed escape.
  struct Refused {
    const char* target;
    const char* reason;
  } refused[] = {
      {"/v1/children/a%2Fb", "encoded '/'"},
      {"/v1/children/a%2fb", "encoded '/'"},
      {"/v1/children/a%00b", "encoded NUL"},
      {"/v1/children/a%4", "path: malformed percent-escape"},
      // A path has one spelling: a rule that refuses "/metrics" at a proxy must not be passed by
      // "/metr%69cs".
      {"/v1/children/c%2D17", "escaped letter, digit or '-._~'"},
      {"/v1/childr%65n/c-17", "escaped letter, digit or '-._~'"},
      {"/v1/children/x?q=%ZZ", "query parameter 'q': malformed percent-escape"},
      {"/v1/children/x?q=ann%00", "query parameter 'q': an encoded NUL"},
      {"/v1/children/x?na%FFme%Z=1", "query parameter 'na?me': malformed"},
  };
  for (const Refused& r : refused) {
    auto answer = Get(url, r.target);
    ASSERT_TRUE(answer.ok()) << r.target;
    EXPECT_EQ(answer.value().status, 400) << r.target;
    EXPECT_THAT(answer.value().body, HasSubstr(r.reason)) << r.target;
    EXPECT_TRUE(Utf8Length(answer.value().body).has_value()) << r.target << ": JSON is UTF-8";
  }

  auto echo = Post(url, "/echo", "hello", "text/plain");
  ASSERT_TRUE(echo.ok());
  EXPECT_EQ(echo.value().status, 201);
  EXPECT_EQ(echo.value().body, "hello");

  auto big = Post(url, "/echo", std::string(4096, 'x'), "text/plain");
  ASSERT_TRUE(big.ok());
  EXPECT_EQ(big.value().status, 413);
  EXPECT_THAT(big.value().body, HasSubstr("too large"));

  // Nor do an empty segment or a trailing '/' reach a route.
  for (const char* path :
       {"/nowhere", "/v1//children/c-17", "/v1/children/c-17/", "//v1/children/c-17"}) {
    auto missing = Get(url, path);
    ASSERT_TRUE(missing.ok());
    EXPECT_EQ(missing.value().status, 404) << path;
    EXPECT_THAT(missing.value().body, HasSubstr("no such endpoint")) << path;
  }

  auto wrong = Send(url, {.method = "DELETE",
                          .path = "/echo",
                          .body = {},
                          .content_type = {},
                          .headers = {},
                          .timeout = 5s});
  ASSERT_TRUE(wrong.ok());
  EXPECT_EQ(wrong.value().status, 405);
  EXPECT_EQ(wrong.value().headers["allow"], "POST");
  EXPECT_THAT(wrong.value().body, HasSubstr("not allowed"));
  server.Stop();
  EXPECT_FALSE(Get(url, "/v1/children/x", std::chrono::seconds(1)).ok());
}

TEST(HttpServer, BodyLimitsHoldForChunkedAndEncodedBodies) {
  Server server({.host = "127.0.0.1", .port = 0, .max_body_bytes = 1024, .threads = 2});
  std::atomic<int> handled{0};
  server.Post("/echo", [&](const Request& r) {
    ++handled;
    return Text(r.body);
  });
  auto port = server.Start();
  ASSERT_TRUE(port.ok());

  // Chunked, within the limit: read and answered.
  Raw ok(port.value());
  ok.Send(
      "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: "
      "chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
  EXPECT_THAT(ok.Read(2s, "hello"), HasSubstr("hello"));

  // Chunked, past the limit: 413 after 1 KiB, never the 10 MB the client meant to send.
  Raw bomb(port.value());
  bomb.Send("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
  std::string chunk = "1000\r\n" + std::string(4096, 'a') + "\r\n";
  for (int i = 0; i < 4 && bomb.Send(chunk); ++i) {
  }
  std::string answer = bomb.Read(2s, "}");
  EXPECT_THAT(answer, HasSubstr("413"));
  EXPECT_THAT(answer, HasSubstr("request body too large"));

  // gzip is refused from the headers alone, before a byte of body is read.
  Raw gz(port.value());
  gz.Send(
      "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Encoding: gzip\r\nContent-Length: 500\r\n\r\n");
  answer = gz.Read(2s, "}");
  EXPECT_THAT(answer, HasSubstr("415"));
  EXPECT_THAT(answer, HasSubstr("Content-Encoding 'gzip' is not accepted"));
  EXPECT_EQ(handled.load(), 1);

  // Garbage gets a JSON 400 naming the problem.
  Raw junk(port.value());
  junk.Send("NOT HTTP AT ALL\r\n\r\n");
  answer = junk.Read(2s, "}");
  EXPECT_THAT(answer, HasSubstr("400"));
  EXPECT_THAT(answer, HasSubstr("{\"error\":\"malformed request"));

  // Headers past the limit: 431.
  Raw huge(port.value());
  huge.Send("GET /echo HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(20000, 'b') + "\r\n\r\n");
  EXPECT_THAT(huge.Read(2s, "}"), HasSubstr("431"));
}

// Request smuggling: a request whose framing is refused must not leave its body to be read as the
// next request. A front proxy may frame the message differently (another Transfer-Encoding
// field, a coding it ignores), so the refusal closes the connection (RFC 9112 §6.1, §6.3), and
// every field of a name is checked, not only the first.
TEST(HttpServer, ARefusedFramingClosesTheConnectionBeforeItsBodyIsRead) {
  Server server({.host = "127.0.0.1", .port = 0, .max_body_bytes = 1024, .threads = 2});
  std::atomic<int> echoed{0};
  std::atomic<int> smuggled{0};
  server.Post("/echo", [&](const Request& r) {
    ++echoed;
    return Text(r.body);
  });
  server.Get("/secret", [&](const Request&) {
    ++smuggled;
    return Text("secret");
  });
  auto port = server.Start();
  ASSERT_TRUE(port.ok());
  const std::string hidden = "GET /secret HTTP/1.1\r\nHost: x\r\n\r\n";
  struct Case {
    std::string name, head, status, reason;
  } cases[] = {
      {"a coding other than chunked",
       "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked", "400", "Transfer-Encoding"},
      {"identity", "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: identity", "400",
       "Transfer-Encoding"},
      {"to no endpoint", "POST /nowhere HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked", "400",
       "Transfer-Encoding"},
      {"gzip in a second field",
       "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Encoding: identity\r\nContent-Encoding: "
       "gzip\r\nContent-Length: " +
           std::to_string(hidden.size()),
       "415", "gzip"},
      {"no Host", "POST /echo HTTP/1.1\r\nContent-Length: " + std::to_string(hidden.size()), "400",
       "no Host"},
      {"two Hosts",
       "POST /echo HTTP/1.1\r\nHost: x\r\nHost: y\r\nContent-Length: " +
           std::to_string(hidden.size()),
       "400", "more than one Host"},
  };
  for (const Case& c : cases) {
    Raw raw(port.value());
    raw.Send(c.head + "\r\n\r\n" + hidden);
    std::string answer = raw.Read(2s);
    EXPECT_THAT(answer, HasSubstr("HTTP/1.1 " + c.status)) << c.name;
    EXPECT_THAT(answer, HasSubstr(c.reason)) << c.name;
    EXPECT_EQ(answer.find("HTTP/1.1", 1), std::string::npos) << c.name << ": a second answer";
    EXPECT_TRUE(raw.closed()) << c.name;
  }
  EXPECT_EQ(smuggled.load(), 0);
  EXPECT_EQ(echoed.load(), 0);

  // Well-framed requests still share a connection: a chunked body, then a GET.
  Raw good(port.value());
  good.Send(
      "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: "
      "chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n" +
      hidden);
  std::string answers = good.Read(2s, "secret");
  EXPECT_THAT(answers, HasSubstr("hello"));
  EXPECT_THAT(answers, HasSubstr("secret"));
  EXPECT_EQ(smuggled.load(), 1);
  EXPECT_EQ(echoed.load(), 1);
}

TEST(HttpServer, SlowClientsAreCutOffAndIdleOnesMakeRoom) {
  Server server({.host = "127.0.0.1",
                 .port = 0,
                 .max_body_bytes = 1024,
                 .threads = 2,
                 .header_timeout = 300ms,
                 .body_timeout = 300ms,
                 .max_connections_per_address = 8});
  server.Get(
      "/healthz", [](const Request&) { return Text("ok"); }, Dispatch::kInline);
  server.Post("/echo", [](const Request& r) { return Text(r.body); });
  auto port = server.Start();
  ASSERT_TRUE(port.ok());

  // A slow body is cut off at the body deadline with 408.
  Raw slow(port.value());
  slow.Send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nab");
  std::string answer = slow.Read(3s, "}");
  EXPECT_THAT(answer, HasSubstr("408")) << answer;

  // A connection that never finishes its headers is closed at the header deadline.
  Raw silent(port.value());
  silent.Send("GET /healthz HTTP/1.1\r\n");
  silent.Read(3s);
  EXPECT_TRUE(silent.closed());
  EXPECT_GE(server.Stats().timed_out, 2u);

  // Eight idle connections fill this address's cap; a ninth still gets its answer, because the
  // longest-idle connection makes room.
  std::vector<std::unique_ptr<Raw>> idle;
  for (int i = 0; i < 8; ++i) idle.push_back(std::make_unique<Raw>(port.value()));
  std::this_thread::sleep_for(50ms);
  auto health = Get(Url(port.value()), "/healthz", 2s);
  ASSERT_TRUE(health.ok()) << health.status().message();
  EXPECT_EQ(health.value().body, "ok");
  EXPECT_GE(server.Stats().evicted, 1u);
  EXPECT_LE(server.Stats().connections, 8);
}

TEST(HttpServer, InlineRoutesAnswerWhileThePoolIsBusy) {
  Server server({.host = "127.0.0.1",
                 .port = 0,
                 .max_body_bytes = 1024,
                 .threads = 1,
                 .max_pending_requests = 2});
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  server.Get("/slow", [released](const Request&) {
    released.wait();
    return Text("slow");
  });
  server.Get(
      "/healthz", [](const Request&) { return Text("ok"); }, Dispatch::kInline);
  auto port = server.Start();
  ASSERT_TRUE(port.ok());
  std::string url = Url(port.value());
  auto first = std::async(std::launch::async, [&] { return Get(url, "/slow", 5s); });
  auto second = std::async(std::launch::async, [&] { return Get(url, "/slow", 5s); });
  std::this_thread::sleep_for(200ms);
  auto health = Get(url, "/healthz", 1s);
  ASSERT_TRUE(health.ok());
  EXPECT_EQ(health.value().body, "ok");
  auto busy = Get(url, "/slow", 2s);  // Two already wait on the pool: the third is told so.
  ASSERT_TRUE(busy.ok());
  EXPECT_EQ(busy.value().status, 503);
  EXPECT_THAT(busy.value().body, HasSubstr("server busy"));
  release.set_value();
  EXPECT_EQ(first.get().value().body, "slow");
  EXPECT_EQ(second.get().value().body, "slow");
}

// An inline-first route is answered on the I/O thread within a NoWaitScope. When something in
// the handler refuses to wait, that answer is thrown away unsent, its held work never runs, and
// the handler runs again on the pool, where it may wait; that answer is the one sent.
TEST(HttpServer, InlineFirstRoutesGoToThePoolOnlyWhenSomethingWouldWait) {
  Server server({.host = "127.0.0.1", .port = 0, .max_body_bytes = 1024, .threads = 1});
  std::mutex mu;
  std::vector<std::string> held_ran;  // The answers whose held work ran.
  std::vector<std::string> counted;   // The attempts whose other effects were made.
  server.Get(
      "/read/:id",
      [&](const Request& r) {
        bool in_scope = InNoWaitScope();
        std::string body = in_scope ? "inline" : "pool";
        // Counted before the refusal below: only the attempt whose answer is sent counts.
        WhenUsed([&mu, &counted, body] {
          std::lock_guard lock(mu);
          counted.push_back(body);
        });
        // "disk" stands for a read that is not in memory: it would wait.
        bool waited = r.path_params.at("id") == "disk" && !RefuseToWait();
        if (waited) body += " waited";
        Response answer = Text(body);
        answer.after = [&mu, &held_ran, body](const Completion& done) {
          {
            std::lock_guard lock(mu);
            held_ran.push_back(body);
          }
          done(std::nullopt);
        };
        return answer;
      },
      Dispatch::kInlineFirst);
  auto port = server.Start();
  ASSERT_TRUE(port.ok());
  std::string url = Url(port.value());
  auto memory = Get(url, "/read/memory", 2s);
  ASSERT_TRUE(memory.ok()) << memory.status().message();
  EXPECT_EQ(memory.value().body, "inline");
  EXPECT_EQ(server.Stats().inline_retried, 0u);
  auto disk = Get(url, "/read/disk", 2s);
  ASSERT_TRUE(disk.ok()) << disk.status().message();
  EXPECT_EQ(disk.value().body, "pool waited");
  EXPECT_EQ(server.Stats().inline_retried, 1u);
  std::lock_guard lock(mu);
  EXPECT_EQ(held_ran, (std::vector<std::string>{"inline", "pool waited"}))
      << "the thrown-away answer's held work never ran";
  EXPECT_EQ(counted, (std::vector<std::string>{"inline", "pool"}))
      << "the thrown-away attempt counted nothing; the pool's attempt counted once";
  EXPECT_FALSE(InNoWaitScope()) << "the test's own thread is in no scope";
}

TEST(HttpServer, HeldAnswersWaitWithoutAThreadAndMayBeReplaced) {
  Server server({.host = "127.0.0.1", .port = 0, .max_body_bytes = 1024, .threads = 1});
  // Completions are kept here and run later from the test's thread, as a Kafka delivery thread
  // would run them.
  std::mutex mu;
  std::vector<Completion> waiting;
  server.Get("/held", [&](const Request& r) {
    Response answer = Text("shown once " + r.query.find("n")->second + " is acknowledged");
    answer.after = [&](Completion done) {
      std::lock_guard lock(mu);
      waiting.push_back(std::move(done));
    };
    return answer;
  });
  server.Get("/plain", [](const Request&) { return Text("plain"); });
  auto port = server.Start();
  ASSERT_TRUE(port.ok());
  std::string url = Url(port.value());
  // More held answers than pool threads: none of them holds the one thread.
  std::vector<std::future<StatusOr<ClientResponse>>> held;
  for (int n = 0; n < 3; ++n)
    held.push_back(std::async(std::launch::async,
                              [&, n] { return Get(url, "/held?n=" + std::to_string(n), 5s); }));
  ASSERT_TRUE(testing::WaitFor(
      [&] {
        std::lock_guard lock(mu);
        return waiting.size() == 3;
      },
      5s));
  auto plain = Get(url, "/plain", 2s);
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain.value().body, "plain");
  for (auto& f : held) EXPECT_EQ(f.wait_for(100ms), std::future_status::timeout);
  // Completed from other threads: as it is, or replaced (a failed audit's 503).
  std::vector<std::thread> completers;
  {
    std::lock_guard lock(mu);
    completers.emplace_back([done = waiting[0]] { done(std::nullopt); });
    completers.emplace_back([done = waiting[1]] { done(ErrorResponse(503, "not audited")); });
    completers.emplace_back([done = waiting[2]] { done(std::nullopt); });
  }
  for (std::thread& t : completers) t.join();
  std::set<std::string> bodies;
  std::multiset<int> statuses;
  for (auto& f : held) {
    auto r = f.get();
    ASSERT_TRUE(r.ok()) << r.status().message();
    bodies.insert(r.value().body);
    statuses.insert(r.value().status);
  }
  EXPECT_EQ(statuses, (std::multiset<int>{200, 200, 503}));
  EXPECT_EQ(std::count_if(bodies.begin(), bodies.end(),
                          [](const std::string& b) { return b.ends_with("is acknowledged"); }),
            2);
  EXPECT_TRUE(bodies.contains(R"({"error":"not audited"})")) << *bodies.begin();
  // Settle gives synchronous callers the same answer.
  Response later = Text("later");
  later.after = [](const Completion& done) {
    std::thread([done] { done(ErrorResponse(503, "no")); }).detach();
  };
  EXPECT_EQ(Settle(later).status, 503);
  EXPECT_EQ(Settle(Text("now")).body, "now");
}

TEST(HttpServer, StopWaitsForHeldAnswers) {
  Server server({.host = "127.0.0.1", .port = 0, .max_body_bytes = 1024, .threads = 1});
  std::promise<Completion> taken;
  server.Get("/held", [&](const Request&) {
    Response answer = Text("held");
    answer.after = [&](Completion done) { taken.set_value(std::move(done)); };
    return answer;
  });
  auto port = server.Start();
  ASSERT_TRUE(port.ok());
  auto client = std::async(std::launch::async, [&] { return Get(Url(port.value()), "/held", 5s); });
  Completion done = taken.get_future().get();
  std::atomic<bool> stopped{false};
  std::thread stopper([&] {
    server.Stop();
    stopped = true;
  });
  std::this_thread::sleep_for(200ms);
  EXPECT_FALSE(stopped) << "Stop returned with an answer still held";
  done(std::nullopt);
  stopper.join();
  EXPECT_TRUE(stopped);
  client.wait();
}

TEST(HttpServer, StreamsCostNoThreadAndPing) {
  Server server(
      {.host = "127.0.0.1", .port = 0, .max_body_bytes = 1024, .threads = 1, .stream_ping = 100ms});
  std::mutex mu;
  std::vector<std::shared_ptr<StreamSink>> sinks;
  server.GetStream("/stream", [&](const Request&) {
    StreamResponse r;
    r.head.content_type = "text/event-stream";
    r.open = [&](std::shared_ptr<StreamSink> sink) {
      sink->Send("event: hello\n\n");
      std::lock_guard lock(mu);
      sinks.push_back(std::move(sink));
    };
    return r;
  });
  server.Get("/healthz", [](const Request&) { return Text("ok"); });
  auto port = server.Start();
  ASSERT_TRUE(port.ok());
  // More streams than pool threads, and the one pool thread still serves requests.
  std::vector<std::unique_ptr<Raw>> clients;
  for (int i = 0; i < 20; ++i) {
    clients.push_back(std::make_unique<Raw>(port.value()));
    clients.back()->Send("GET /stream HTTP/1.1\r\nHost: x\r\n\r\n");
    EXPECT_THAT(clients.back()->Read(2s, "hello"), HasSubstr("event: hello"));
  }
  EXPECT_EQ(server.Stats().streams, 20);
  auto health = Get(Url(port.value()), "/healthz", 1s);
  ASSERT_TRUE(health.ok());
  EXPECT_EQ(health.value().body, "ok");
  {
    std::lock_guard lock(mu);
    ASSERT_EQ(sinks.size(), 20u);
    EXPECT_TRUE(sinks[3]->Send("event: changed\ndata: {}\n\n"));
  }
  EXPECT_THAT(clients[3]->Read(2s, "changed"), HasSubstr("event: changed"));
  EXPECT_THAT(clients[4]->Read(2s, "ping"), HasSubstr(": ping"));
  clients[5].reset();  // The client leaves; the server notices at the next ping.
  for (int i = 0; i < 100 && sinks[5]->open(); ++i) std::this_thread::sleep_for(20ms);
  EXPECT_FALSE(sinks[5]->open());
  EXPECT_FALSE(sinks[5]->Send("late"));
}

TEST(HttpServer, HeadIsAGetWithoutItsBodyAndEveryAnswerSaysItIsNoPage) {
  Server server({.host = "127.0.0.1", .port = 0, .max_body_bytes = 1024, .threads = 1});
  std::atomic<int> reads{0};
  server.Get("/v1/record", [&](const Request&) {
    ++reads;  // Where a service checks access and audits the read.
    return Text("the record");
  });
  server.Get("/v1/cached", [](const Request&) {
    Response r = Text("x");
    r.headers["Cache-Control"] = "max-age=5";
    return r;
  });
  server.GetStream("/v1/stream", [](const Request&) {
    return StreamResponse{.head = Text(""), .open = [](const std::shared_ptr<StreamSink>&) {}};
  });
  auto port = server.Start();
  ASSERT_TRUE(port.ok());

  // A HEAD, then a GET on the same connection: the first answer has the GET's length and no
  // body, so the second starts right after the first's head.
  Raw raw(port.value());
  raw.Send(
      "HEAD /v1/record HTTP/1.1\r\nHost: x\r\n\r\nGET /v1/record HTTP/1.1\r\nHost: "
      "x\r\n\r\n");
  std::string answers = raw.Read(2s, "the record");
  std::size_t second = answers.find("HTTP/1.1 200", 1);
  ASSERT_NE(second, std::string::npos) << answers;
  std::string head = answers.substr(0, second);
  EXPECT_THAT(head, HasSubstr("HTTP/1.1 200"));
  EXPECT_THAT(head, HasSubstr("Content-Length: 10\r\n"));
  EXPECT_TRUE(head.size() >= 4 && head.compare(head.size() - 4, 4, "\r\n\r\n") == 0) << head;
  EXPECT_THAT(answers.substr(second), HasSubstr("\r\n\r\nthe record"));
  EXPECT_EQ(reads.load(), 2) << "a HEAD runs the GET route, its checks and audit";

  // Every answer, a refusal too, is data and never a page.
  for (const char* path : {"/v1/record", "/nowhere"}) {
    auto r = Get(Url(port.value()), path);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r.value().headers["x-content-type-options"], "nosniff") << path;
    EXPECT_EQ(r.value().headers["content-security-policy"],
              "default-src 'none'; frame-ancestors 'none'")
        << path;
    EXPECT_EQ(r.value().headers["x-frame-options"], "DENY") << path;
    EXPECT_EQ(r.value().headers["cache-control"], "no-store") << path;
    EXPECT_EQ(r.value().headers.count("strict-transport-security"), 0U) << "plain HTTP";
  }
  auto cached = Get(Url(port.value()), "/v1/cached");
  ASSERT_TRUE(cached.ok());
  EXPECT_EQ(cached.value().headers["cache-control"], "max-age=5") << "the handler's own rule";

  // Allow names HEAD where GET is, but not on a stream, which HEAD does not open.
  auto post = Post(Url(port.value()), "/v1/record", "x", "text/plain");
  ASSERT_TRUE(post.ok());
  EXPECT_EQ(post.value().headers["allow"], "GET, HEAD");
  Raw stream(port.value());
  stream.Send("HEAD /v1/stream HTTP/1.1\r\nHost: x\r\n\r\n");
  std::string refused = stream.Read(2s, "\r\n\r\n");
  EXPECT_THAT(refused, HasSubstr("HTTP/1.1 405"));
  EXPECT_THAT(refused, HasSubstr("Allow: GET\r\n"));
  EXPECT_THAT(refused, Not(HasSubstr("chunked")));
}

TEST(HttpServer, ServesFilesButNothingOutsideTheRoot) {
  auto dir =
      std::filesystem::temp_directory_path() / ("sightline-http-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir / "web");
  std::ofstream(dir / "web" / "index.html") << "<h1>triage</h1>";
  std::ofstream(dir / "web" / "app.js") << "let x = 1;";
  std::ofstream(dir / "secret.txt") << "do not serve";
  Server server({.host = "127.0.0.1", .port = 0, .max_body_bytes = 1024, .threads = 1});
  ASSERT_TRUE(server.ServeFiles("/app", (dir / "web").string()).ok());
  EXPECT_FALSE(server.ServeFiles("/x", (dir / "nope").string()).ok());
  auto port = server.Start();
  ASSERT_TRUE(port.ok());
  std::string url = Url(port.value());
  auto index = Get(url, "/app/");
  ASSERT_TRUE(index.ok());
  EXPECT_EQ(index.value().body, "<h1>triage</h1>");
  EXPECT_THAT(index.value().content_type, HasSubstr("text/html"));
  // Scripts from this origin only, never inline, and no framing by another site.
  EXPECT_THAT(index.value().headers["content-security-policy"], HasSubstr("script-src 'self';"));
  EXPECT_THAT(index.value().headers["content-security-policy"],
              HasSubstr("frame-ancestors 'none'"));
  EXPECT_EQ(index.value().headers["x-frame-options"], "DENY");
  EXPECT_EQ(index.value().headers["x-content-type-options"], "nosniff");
  EXPECT_EQ(index.value().headers["cache-control"], "no-cache");
  // HEAD gives the same head, the policy included, without the page.
  Raw head(port.value());
  head.Send("HEAD /app/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  std::string head_answer = head.Read(2s);
  EXPECT_THAT(head_answer, HasSubstr("HTTP/1.1 200"));
  EXPECT_THAT(head_answer, HasSubstr("frame-ancestors 'none'"));
  EXPECT_THAT(head_answer, HasSubstr("Content-Length: 15\r\n"));
  EXPECT_THAT(head_answer, Not(HasSubstr("triage")));
  auto js = Get(url, "/app/app.js");
  ASSERT_TRUE(js.ok());
  EXPECT_THAT(js.value().content_type, HasSubstr("text/javascript"));
  for (const char* path : {"/app/../secret.txt", "/app/%2e%2e/secret.txt", "/app/.%2E/secret.txt",
                           "/app/..%2fsecret.txt"}) {
    auto r = Get(url, path);
    ASSERT_TRUE(r.ok());
    // An escaped '/' or '.' is refused as a target (400) before the files are looked at.
    EXPECT_EQ(r.value().status,
              std::string_view(path).find('%') != std::string_view::npos ? 400 : 404)
        << path;
    EXPECT_THAT(r.value().body, Not(HasSubstr("do not serve"))) << path;
  }
  auto post = Post(url, "/app/index.html", "x", "text/plain");
  ASSERT_TRUE(post.ok());
  EXPECT_EQ(post.value().status, 405);
  std::filesystem::remove_all(dir);
}

TEST(HttpServer, TlsListenersRefusePlaintextAndCanRequireClientCertificates) {
  std::string pki = testing::MakeTestPki("pki");
  ASSERT_FALSE(pki.empty());
  // Plaintext is for loopback only: a listener on every interface needs a certificate.
  Server open({.host = "0.0.0.0", .port = 0, .max_body_bytes = 1024, .threads = 1});
  auto refused = open.Start();
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(refused.status().message(), HasSubstr("plaintext"));

  Server server({.host = "127.0.0.1",
                 .port = 0,
                 .max_body_bytes = 1024,
                 .threads = 1,
                 .tls = {.cert_file = pki + "/server.pem",
                         .key_file = pki + "/server.key",
                         .client_ca_file = ""}});
  server.Get("/hello", [](const Request&) { return Text("hello over TLS"); });
  auto port = server.Start();
  ASSERT_TRUE(port.ok()) << port.status().message();
  EXPECT_TRUE(server.Tls());
  std::string https = "https://127.0.0.1:" + std::to_string(port.value());
  ClientRequest get{.method = "GET",
                    .path = "/hello",
                    .body = {},
                    .content_type = {},
                    .headers = {},
                    .timeout = 5s,
                    .ca_file = pki + "/ca.pem"};
  auto ok = Send(https, get);
  ASSERT_TRUE(ok.ok()) << ok.status().message();
  EXPECT_EQ(ok.value().body, "hello over TLS");
  EXPECT_EQ(ok.value().headers["strict-transport-security"], "max-age=31536000");
  // A client that does not trust the CA refuses the server.
  ClientRequest untrusting = get;
  untrusting.ca_file = "";
  EXPECT_FALSE(Send(https, untrusting).ok());
  // A plaintext request gets no HTTP answer: the handshake fails and the connection is closed.
  EXPECT_FALSE(Get(Url(port.value()), "/hello", 5s).ok());
  Raw raw(port.value());
  ASSERT_TRUE(raw.Send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"));
  std::string answer = raw.Read(5s);
  EXPECT_EQ(answer.find("hello"), std::string::npos) << answer;
  EXPECT_EQ(answer.find("HTTP/1.1"), std::string::npos) << answer;
  EXPECT_TRUE(raw.closed());
  EXPECT_GE(server.Stats().tls_refused, 2u);
  server.Stop();

  // Mutual TLS: without a client certificate the handshake fails; with one the CA signed, 200.
  Server mutual({.host = "127.0.0.1",
                 .port = 0,
                 .max_body_bytes = 1024,
                 .threads = 1,
                 .tls = {.cert_file = pki + "/server.pem",
                         .key_file = pki + "/server.key",
                         .client_ca_file = pki + "/ca.pem"}});
  mutual.Get("/hello", [](const Request&) { return Text("hello, known client"); });
  auto mport = mutual.Start();
  ASSERT_TRUE(mport.ok()) << mport.status().message();
  std::string mhttps = "https://127.0.0.1:" + std::to_string(mport.value());
  EXPECT_FALSE(Send(mhttps, get).ok());
  ClientRequest with_cert = get;
  with_cert.cert_file = pki + "/client.pem";
  with_cert.key_file = pki + "/client.key";
  auto known = Send(mhttps, with_cert);
  ASSERT_TRUE(known.ok()) << known.status().message();
  EXPECT_EQ(known.value().body, "hello, known client");
}

}  // namespace
}  // namespace sightline::http
