#include "routing.h"

#include <array>
#include <utility>

namespace sightline::http::routing {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// RFC 3986 §2.3: characters that never need an escape.
bool IsUnreserved(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

// Calls `each` with every non-empty segment of a '/'-separated path.
template <typename F>
void ForEachSegment(std::string_view path, F&& each) {
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    if (end > start) each(path.substr(start, end - start));
    start = end + 1;
  }
}

}  // namespace

Decoded PercentDecode(std::string_view in, Part part) {
  Decoded out;
  out.text.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '+' && part == Part::kQuery) {
      out.text.push_back(' ');
    } else if (c != '%') {
      out.text.push_back(c);
    } else {
      int hi = i + 2 < in.size() ? HexValue(in[i + 1]) : -1;
      int lo = i + 2 < in.size() ? HexValue(in[i + 2]) : -1;
      if (hi < 0 || lo < 0) {
        out.error = "malformed percent-escape (a '%' must be followed by two hex digits)";
        return out;
      }
      char decoded = static_cast<char>(hi * 16 + lo);
      if (decoded == '\0') {
        out.error = "an encoded NUL (%00) is not accepted";
        return out;
      }
      if (part == Part::kPath && decoded == '/') {
        out.error = "an encoded '/' (%2F) is not accepted in a path";
        return out;
      }
      if (part == Part::kPath && IsUnreserved(decoded)) {
        out.error = "an escaped letter, digit or '-._~' is not accepted in a path; send it as is";
        return out;
      }
      out.text.push_back(decoded);
      i += 2;
    }
  }
  return out;
}

Target ParseTarget(std::string_view target) {
  Target out;
  std::size_t q = target.find('?');
  Decoded path = PercentDecode(target.substr(0, q), Part::kPath);
  if (path.error) {
    out.error = std::string("path: ") + path.error;
    return out;
  }
  out.path = std::move(path.text);
  if (q == std::string_view::npos) return out;
  std::string_view query = target.substr(q + 1);
  std::size_t fragment = query.find('#');
  if (fragment != std::string_view::npos) query = query.substr(0, fragment);
  std::size_t start = 0;
  while (start <= query.size()) {
    std::size_t end = query.find('&', start);
    if (end == std::string_view::npos) end = query.size();
    std::string_view pair = query.substr(start, end - start);
    if (!pair.empty()) {
      std::size_t eq = pair.find('=');
      Decoded key = PercentDecode(pair.substr(0, eq), Part::kQuery);
      Decoded value = PercentDecode(
          eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1), Part::kQuery);
      if (key.error || value.error) {
        // The parameter named as far as it could be read, and no further than a line's worth.
        out.error = "query parameter '" + key.text.substr(0, 40) +
                    "': " + (key.error ? key.error : value.error);
        return out;
      }
      out.query.emplace(std::move(key.text), std::move(value.text));
    }
    start = end + 1;
  }
  return out;
}

Pattern::Pattern(std::string_view pattern) : text_(pattern) {
  ForEachSegment(pattern, [this](std::string_view s) {
    if (s.size() > 1 && s[0] == ':') {
      segments_.push_back({std::string(s.substr(1)), true});
    } else {
      segments_.push_back({std::string(s), false});
    }
  });
}

bool Pattern::Match(std::string_view path, std::map<std::string, std::string>& params) const {
  std::map<std::string, std::string> found;
  std::size_t i = 0;
  // One spelling: no empty segment ("/v1//queue") and no trailing '/' ("/v1/queue/").
  bool ok = !path.empty() && path[0] == '/' && path.find("//") == std::string_view::npos &&
            (path.size() == 1 || path.back() != '/');
  ForEachSegment(path, [&](std::string_view s) {
    if (!ok) return;
    if (i >= segments_.size()) {
      ok = false;
      return;
    }
    const Segment& want = segments_[i++];
    if (want.param) {
      found[want.text] = std::string(s);
    } else if (s != want.text) {
      ok = false;
    }
  });
  if (!ok || i != segments_.size()) return false;
  params = std::move(found);
  return true;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

std::string MediaType(std::string_view content_type) {
  std::string_view type = content_type.substr(0, content_type.find(';'));
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.remove_suffix(1);
  while (!type.empty() && (type.front() == ' ' || type.front() == '\t')) type.remove_prefix(1);
  return Lower(type);
}

std::string FileType(std::string_view path) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 10> kTypes{{
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".txt", "text/plain; charset=utf-8"},
      {".woff2", "font/woff2"},
  }};
  std::string lower = Lower(path);
  for (const auto& [ext, type] : kTypes) {
    if (lower.size() >= ext.size() &&
        lower.compare(lower.size() - ext.size(), ext.size(), ext) == 0)
      return std::string(type);
  }
  return "application/octet-stream";
}

std::optional<std::string> SafeRelativePath(std::string_view rest) {
  std::string out;
  bool ok = true;
  if (rest.find('\0') != std::string_view::npos || rest.find('\\') != std::string_view::npos)
    return std::nullopt;
  ForEachSegment(rest, [&](std::string_view s) {
    if (s == "." || s == ".." || s.front() == '.') ok = false;  // No dot-files either.
    if (!out.empty()) out.push_back('/');
    out.append(s);
  });
  if (!ok) return std::nullopt;
  if (out.empty() || rest.back() == '/') out += out.empty() ? "index.html" : "/index.html";
  return out;
}

}  // namespace sightline::http::routing
