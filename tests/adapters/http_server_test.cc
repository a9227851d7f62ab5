#include "sightline/http/server.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "sightline/http/client.h"

namespace sightline::http {
namespace {

using ::testing::HasSubstr;

TEST(HttpServer, RoutesPathParamsAndLimits) {
  Server server({.host = "127.0.0.1", .port = 0, .max_body_bytes = 2048, .threads = 2});
  server.Get("/v1/children/:id", [](const Request& r) {
    return Response{.status = 200,
                    .content_type = "text/plain",
                    .body = "child " + r.path_params.at("id"),
                    .headers = {}};
  });
  server.Post("/echo", [](const Request& r) {
    return Response{.status = 201, .content_type = "text/plain", .body = r.body, .headers = {}};
  });
  auto port = server.Start();
  ASSERT_TRUE(port.ok()) << port.status().message();
  std::string url = "http://127.0.0.1:" + std::to_string(port.value());

  auto child = Get(url, "/v1/children/c-17");
  ASSERT_TRUE(child.ok());
  EXPECT_EQ(child.value().body, "child c-17");

  auto echo = Post(url, "/echo", "hello", "text/plain");
  ASSERT_TRUE(echo.ok());
  EXPECT_EQ(echo.value().status, 201);
  EXPECT_EQ(echo.value().body, "hello");

  auto big = Post(url, "/echo", std::string(4096, 'x'), "text/plain");
  ASSERT_TRUE(big.ok());
  EXPECT_EQ(big.value().status, 413);
  EXPECT_THAT(big.value().body, HasSubstr("too large"));

  auto missing = Get(url, "/nowhere");
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(missing.value().status, 404);
  EXPECT_THAT(missing.value().body, HasSubstr("no such endpoint"));
  server.Stop();
  EXPECT_FALSE(Get(url, "/v1/children/x", std::chrono::seconds(1)).ok());
}

}  // namespace
}  // namespace sightline::http
