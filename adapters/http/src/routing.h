// The pure half of the HTTP server: request targets, percent-decoding and route matching, with
// no recursion and no regex (they see untrusted input), so they can be fuzzed on their own.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sightline::http::routing {

enum class Part : std::uint8_t { kPath, kQuery };
struct Decoded {
  std::string text;
  const char* error = nullptr;  // Why the text was refused; then `text` is partial.
};
// "%41+b" -> "A b" (a '+' is a space in a query). Refused: a malformed escape ("%4", "%ZZ"), an
// encoded NUL, and in a path an encoded '/' or an escaped unreserved character. The path is split
// into segments after decoding, so "a%2Fb" would be taken for two segments where RFC 3986 §2.2
// makes it one; and "/metr%69cs" is "/metrics" to us but not to a proxy's rule that compares the
// text as sent. A path has one spelling.
Decoded PercentDecode(std::string_view in, Part part);

struct Target {
  std::string path;  // Decoded.
  std::multimap<std::string, std::string> query;
  std::string error;  // Set when the target is refused: which part, and why.
};
// Splits "/v1/search?q=ann%20smith" into its decoded path and query.
Target ParseTarget(std::string_view target);

// A route pattern: "/v1/children/:id" is the literal segments v1 and children and a parameter.
class Pattern {
 public:
  explicit Pattern(std::string_view pattern);
  // True, filling `params`, when `path` has as many segments and every literal matches. A
  // parameter matches one non-empty segment. A path with an empty segment or a trailing '/'
  // matches nothing: "/v1//queue" is not "/v1/queue".
  bool Match(std::string_view path, std::map<std::string, std::string>& params) const;
  const std::string& text() const { return text_; }

 private:
  struct Segment {
    std::string text;
    bool param = false;
  };
  std::string text_;
  std::vector<Segment> segments_;
};

// Lower-case ASCII.
std::string Lower(std::string_view s);
// "Application/JSON; charset=utf-8" -> "application/json".
std::string MediaType(std::string_view content_type);
// The content type a file's extension calls for; "application/octet-stream" when unknown.
std::string FileType(std::string_view path);
// A file path under a mount for `rest` (the URL path after the mount, decoded), or nullopt when
// it would leave the root (".." segments, NUL, backslashes). "" and "/" give "index.html".
std::optional<std::string> SafeRelativePath(std::string_view rest);

}  // namespace sightline::http::routing
