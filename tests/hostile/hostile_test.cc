// The hostile-client suite (issue 12): the real gateway and projector, on loopback, attacked the
// way an adversary on the council's network would. Each attack asserts that the service does not
// crash, that its memory stays under a stated bound, that /healthz keeps answering throughout,
// that every bad request gets its 4xx with a reason, and that nothing bad reaches a topic.
// Bounded in connections and time (about ten seconds in all); figures go to the test's output.
#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <atomic>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

#include "broker.h"
#include "gateway_harness.h"
#include "projector_harness.h"
#include "raw_socket.h"
#include "sightline/audit/v1/audit.pb.h"
#include "sightline/crypto/digest.h"

namespace sightline::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

// Connections each attack opens: a few thousand idle ones, a thousand slow ones.
constexpr int kIdleConnections = 3000;
constexpr int kSlowConnections = 1000;
// Resident memory a service may reach under attack (it idles at about 20-40 MB).
constexpr long kRssBoundKiB = 200L * 1024;
// The /healthz answer time the issue asks for, met by at least 95% of probes (the rest must
// still answer; a shared CI machine may stall any process now and then).
constexpr auto kHealthBound = 100ms;

int PortOf(const std::string& url) { return std::stoi(url.substr(url.rfind(':') + 1)); }

// Probes GET /healthz every 50 ms on a fresh connection until stopped; keeps every latency.
class HealthProbe {
 public:
  explicit HealthProbe(std::string url)
      : url_(std::move(url)), thread_([this] {
          while (!stop_) {
            auto start = std::chrono::steady_clock::now();
            auto r = http::Get(url_, "/healthz", 5s);
            auto took = std::chrono::steady_clock::now() - start;
            {
              std::lock_guard lock(mu_);
              if (!r.ok() || r.value().status != 200) ++failures_;
              latencies_.push_back(std::chrono::duration_cast<std::chrono::microseconds>(took));
            }
            std::this_thread::sleep_for(50ms);
          }
        }) {}
  ~HealthProbe() { Stop(); }
  HealthProbe(const HealthProbe&) = delete;
  HealthProbe& operator=(const HealthProbe&) = delete;

  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  // Asserts the bound and prints the figures under `what`.
  void Check(const std::string& what) {
    Stop();
    std::lock_guard lock(mu_);
    ASSERT_FALSE(latencies_.empty());
    std::vector<std::chrono::microseconds> sorted = latencies_;
    std::sort(sorted.begin(), sorted.end());
    // The q-th quantile in milliseconds (nearest rank below).
    auto at = [&](std::size_t percent) {
      return std::chrono::duration<double, std::milli>(sorted[percent * (sorted.size() - 1) / 100])
          .count();
    };
    std::size_t within = static_cast<std::size_t>(
        std::count_if(sorted.begin(), sorted.end(), [](auto l) { return l < kHealthBound; }));
    std::cout << "[hostile] " << what << ": /healthz " << sorted.size() << " probes, p50 " << at(50)
              << " ms, p95 " << at(95) << " ms, max " << at(100) << " ms, " << failures_
              << " failed\n";
    EXPECT_EQ(failures_, 0) << what;
    EXPECT_GE(within * 100, sorted.size() * 95) << what << ": /healthz slower than 100 ms";
  }

 private:
  std::string url_;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::vector<std::chrono::microseconds> latencies_;
  int failures_ = 0;
  std::thread thread_;
};

// A real gzip member holding `size` zero bytes (a "zip bomb" of ~1000:1).
std::string GzipOfZeros(std::size_t size) {
  z_stream z{};
  EXPECT_EQ(deflateInit2(&z, 9, Z_DEFLATED, 31, 9, Z_DEFAULT_STRATEGY), Z_OK);
  std::string in(size, '\0');
  std::string out(deflateBound(&z, size), '\0');
  z.next_in = reinterpret_cast<Bytef*>(in.data());
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

// The status code of a raw HTTP answer, or 0.
int StatusOf(const std::string& answer) {
  if (answer.size() < 12 || answer.compare(0, 5, "HTTP/") != 0) return 0;
  return std::stoi(answer.substr(9, 3));
}

class Hostile : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    long files = RaiseFileLimit();
    std::cout << "[hostile] open-file limit " << files << "\n";
  }
  std::string brokers_ = SharedBrokers();
};

TEST_F(Hostile, GatewaySurvivesSlowIdleAndOversizedClients) {
  GatewayHarness gw(brokers_, "hostile-gw", 5000);
  ASSERT_TRUE(gw.CreateTopic());
  ASSERT_TRUE(gw.Start());
  int port = PortOf(gw.url());
  pid_t pid = gw.process().pid();
  std::cout << "[hostile] gateway idle RSS " << ResidentKiB(pid) / 1024 << " MB\n";
  HealthProbe probe(gw.url());

  // 1. A few thousand idle connections and a thousand slow-header ones (a byte every 500 ms).
  std::vector<std::unique_ptr<RawSocket>> held;
  int opened = 0;
  for (int i = 0; i < kIdleConnections; ++i) {
    held.push_back(std::make_unique<RawSocket>(port));
    opened += held.back()->connected() ? 1 : 0;
  }
  std::vector<std::unique_ptr<RawSocket>> slow;
  for (int i = 0; i < kSlowConnections; ++i) {
    slow.push_back(std::make_unique<RawSocket>(port));
    slow.back()->Send("POST /v1/events HTTP/1.1\r\n");
  }
  const std::string header = "Host: x\r\nContent-Type: application/json\r\n";
  for (std::size_t b = 0; b < 6; ++b) {
    std::this_thread::sleep_for(500ms);
    for (auto& s : slow) s->Send(header.substr(b, 1));
  }
  std::cout << "[hostile] held " << opened << " idle and " << kSlowConnections
            << " slow-header connections\n";

  // 2. Slow bodies: 200 connections promising 1000 bytes and sending one every 500 ms.
  std::vector<std::unique_ptr<RawSocket>> slow_bodies;
  for (int i = 0; i < 200; ++i) {
    slow_bodies.push_back(std::make_unique<RawSocket>(port));
    slow_bodies.back()->Send(
        "POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        "Content-Length: 1000\r\n\r\n{");
  }
  for (int b = 0; b < 4; ++b) {
    std::this_thread::sleep_for(500ms);
    for (auto& s : slow_bodies) s->Send(" ");
  }
  held.clear();
  slow.clear();
  slow_bodies.clear();

  // 3. A gzip bomb: 10 MB of zeros in ~10 KB, announced as gzip: refused from the headers.
  std::string bomb = GzipOfZeros(10 << 20);
  RawSocket gz(port);
  gz.Send(
      "POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Content-Encoding: gzip\r\nContent-Length: " +
      std::to_string(bomb.size()) + "\r\n\r\n" + bomb);
  std::string answer = gz.Read(5s, "}");
  EXPECT_EQ(StatusOf(answer), 415) << answer;
  EXPECT_NE(answer.find("Content-Encoding 'gzip' is not accepted"), std::string::npos);

  // 4. A chunked bomb: 10 MB in 64 KiB chunks; the gateway stops at its 64 KiB limit with 413.
  RawSocket chunked(port);
  chunked.Send(
      "POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-ndjson\r\n"
      "Transfer-Encoding: chunked\r\n\r\n");
  std::string chunk = "10000\r\n" + std::string(0x10000, '{') + "\r\n";
  int sent = 0;
  while (sent < 160 && chunked.Send(chunk)) ++sent;
  answer = chunked.Read(5s, "}");
  EXPECT_EQ(StatusOf(answer), 413) << answer;
  EXPECT_LT(sent, 160) << "the gateway kept reading a 10 MB chunked body";

  // 5. Bad values: each gets its 400 naming the field.
  std::string ok = ContactJson("hostile-ok-1", "child-h1");
  struct Bad {
    std::string what;
    std::string body;
    std::string field;
  };
  auto replace = [](std::string s, const std::string& from, const std::string& to) {
    return s.replace(s.find(from), from.size(), to);
  };
  std::string nested = std::string(30000, '[') + std::string(30000, ']');  // Within 64 KiB.
  std::vector<Bad> bad = {
      {"30 KB role", replace(ok, "ROLE_MASH_PRACTITIONER", std::string(30000, 'R')), "actor.role"},
      {"30 KB child id", replace(ok, "child-h1", std::string(30000, 'c')), "child_id"},
      {"30 KB summary",
       replace(ok, "\"concerns\"", "\"summary\":\"" + std::string(30000, 's') + "\",\"concerns\""),
       "contact_received.summary"},
      {"invalid UTF-8", replace(ok, "\"concerns\"", "\"summary\":\"\xff\xfe\xfd\",\"concerns\""),
       ""},
      {"NUL escape", replace(ok, "\"concerns\"", "\"summary\":\"a\\u0000b\",\"concerns\""),
       "contact_received.summary"},
      {"raw NUL", replace(ok, "u1", std::string("u\0001", 3)), ""},
      {"deep nesting", nested, ""},
  };
  for (const Bad& b : bad) {
    http::ClientResponse r = gw.Post(b.body);
    EXPECT_EQ(r.status, 400) << b.what << ": " << r.body.substr(0, 300);
    EXPECT_LT(r.body.size(), 4096u) << b.what << ": the error echoes the input";
    if (!b.field.empty()) {
      EXPECT_NE(r.body.find(b.field), std::string::npos) << b.what << r.body;
    }
    EXPECT_NE(r.body.find("error"), std::string::npos) << b.what;
  }
  // No credential, or a made-up one: 401, and each refusal is on the audit topic.
  http::ClientResponse anonymous = gw.Post(ok, "application/json", "");
  EXPECT_EQ(anonymous.status, 401) << anonymous.body;
  EXPECT_EQ(gw.Post(ok, "application/json", std::string(40, 'x')).status, 401);
  // Wrong method and media type, in any case.
  EXPECT_EQ(gw.GetStatus("/v1/events"), 405);
  EXPECT_EQ(gw.Post(ok, "TEXT/CSV").status, 415);

  // The service lived through it all, within its memory bound, and answered /healthz throughout.
  probe.Check("gateway under idle, slow, bomb and bad-value attacks");
  ASSERT_TRUE(gw.process().Running()) << "the gateway died";
  long peak = PeakResidentKiB(pid);
  std::cout << "[hostile] gateway peak RSS " << peak / 1024 << " MB\n";
  EXPECT_LT(peak, kRssBoundKiB);

  // One good event still goes through, and it is the only thing on the topic.
  EXPECT_EQ(gw.Post(ContactJson("hostile-ok-1", "child-h1"), "Application/JSON").status, 202);
  std::vector<kafka::Record> records = gw.ReadAll();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].key, "child-h1");
  int unauthenticated = 0;
  for (const kafka::Record& r : gw.ReadAudit()) {
    audit::v1::AccessAudited a;
    ASSERT_TRUE(a.ParseFromString(r.value));
    if (a.outcome() == audit::v1::OUTCOME_UNAUTHENTICATED && a.endpoint() == "POST /v1/events")
      ++unauthenticated;
  }
  EXPECT_EQ(unauthenticated, 2);
}

TEST_F(Hostile, ProjectorSurvivesStreamFloodsAndSlowHeaders) {
  std::string topic = "test.hostile-projector." + std::to_string(getpid());
  ASSERT_TRUE(ProjectorHarness::CreateTopics(brokers_, topic));
  std::string users;
  for (const char* who : {"pr1", "pr2", "pr3"})
    users += std::string("\n    - {id: ") + who +
             ", role: mash_practitioner, team: mash, token_sha256: " +
             crypto::Sha256Hex(std::string("token-of-0123456789abcdefghijklmnop-") + who) + "}";
  ProjectorHarness projector(brokers_, "hostile-projector", topic, users);
  ASSERT_TRUE(projector.Start());
  ASSERT_TRUE(WaitFor([&] { return projector.Ready().value("ready", false); }, 30s));
  int port = PortOf(projector.url());
  pid_t pid = projector.process().pid();
  HealthProbe probe(projector.url());

  // 1. Stream floods: each of three users opens 50 streams; 4 each are served, the rest get 429.
  std::vector<std::unique_ptr<RawSocket>> streams;
  int opened = 0;
  int refused = 0;
  for (const char* who : {"pr1", "pr2", "pr3"}) {
    for (int i = 0; i < 50; ++i) {
      auto s = std::make_unique<RawSocket>(port);
      s->Send(std::string("GET /v1/stream HTTP/1.1\r\nHost: x\r\nAuthorization: bearer "
                          "token-of-0123456789abcdefghijklmnop-") +
              who + "\r\n\r\n");
      std::string head = s->Read(5s, "\r\n\r\n");
      if (StatusOf(head) == 200) {
        ++opened;
        streams.push_back(std::move(s));
      } else {
        EXPECT_EQ(StatusOf(head), 429) << head;
        ++refused;
      }
    }
  }
  EXPECT_EQ(opened, 12);
  EXPECT_EQ(refused, 138);

  // 2. A thousand slow-header connections without a token, and a thousand idle ones.
  std::vector<std::unique_ptr<RawSocket>> slow;
  for (int i = 0; i < kSlowConnections; ++i) {
    slow.push_back(std::make_unique<RawSocket>(port));
    slow.back()->Send("GET /v1/queue HTTP/1.1\r\n");
  }
  for (int i = 0; i < kSlowConnections; ++i) slow.push_back(std::make_unique<RawSocket>(port));
  for (int b = 0; b < 4; ++b) {
    std::this_thread::sleep_for(500ms);
    for (auto& s : slow) s->Send("X");
  }
  // Every endpoint still answers: readiness, and an authenticated read that needs the pool.
  auto ready = http::Get(projector.url(), "/readyz", 2s);
  ASSERT_TRUE(ready.ok());
  EXPECT_EQ(ready.value().status, 200);
  auto queue =
      http::Send(projector.url(),
                 {.method = "GET",
                  .path = "/v1/queue",
                  .body = {},
                  .content_type = {},
                  .headers = {{"Authorization", "Bearer token-of-0123456789abcdefghijklmnop-pr1"}},
                  .timeout = 5s});
  ASSERT_TRUE(queue.ok());
  EXPECT_EQ(queue.value().status, 200) << queue.value().body;
  slow.clear();

  // 3. Closed streams free their places.
  streams.clear();
  ASSERT_TRUE(WaitFor(
      [&] {
        RawSocket s(port);
        s.Send(
            "GET /v1/stream HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
            "token-of-0123456789abcdefghijklmnop-pr1\r\n\r\n");
        return StatusOf(s.Read(2s, "\r\n\r\n")) == 200;
      },
      40s));

  probe.Check("projector under stream floods and slow headers");
  ASSERT_TRUE(projector.process().Running());
  long peak = PeakResidentKiB(pid);
  std::cout << "[hostile] projector peak RSS " << peak / 1024 << " MB\n";
  EXPECT_LT(peak, kRssBoundKiB);
}

}  // namespace
}  // namespace sightline::testing
