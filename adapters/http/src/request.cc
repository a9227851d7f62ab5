// Request's accessors, the shape of every refusal, and settling a held answer on this thread.
#include <future>

#include "routing.h"
#include "sightline/core/text.h"
#include "sightline/http/server.h"

namespace sightline::http {

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
  // A minimal JSON string escape: reasons are ours, but may quote a client's header or query, in
  // whatever bytes it sent. JSON must be UTF-8: if the reason is not, its other bytes become '?'.
  bool utf8 = Utf8Length(reason).has_value();
  std::string body = R"({"error":")";
  for (char c : reason) {
    if (c == '"' || c == '\\') {
      body.push_back('\\');
      body.push_back(c);
    } else if (static_cast<unsigned char>(c) < 0x20) {
      body.push_back(' ');
    } else if (!utf8 && static_cast<unsigned char>(c) >= 0x80) {
      body.push_back('?');
    } else {
      body.push_back(c);
    }
  }
  body += "\"}";
  return Response{
      .status = status, .content_type = "application/json", .body = body, .headers = {}};
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

}  // namespace sightline::http
