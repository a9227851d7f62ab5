#include "files.h"

#include <fstream>
#include <system_error>

#include "routing.h"

namespace sightline::http {

Status FileMounts::Add(const std::string& mount, const std::string& root) {
  std::error_code ec;
  if (!std::filesystem::is_directory(root, ec)) {
    return InvalidArgument("cannot serve files from '" + root + "': not a directory");
  }
  std::string prefix = mount;
  while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
  mounts_.push_back({prefix, std::filesystem::path(root)});
  return Status::Ok();
}

bool FileMounts::Covers(const std::string& path) const {
  for (const Mount& m : mounts_)
    if (path.compare(0, m.prefix.size(), m.prefix) == 0) return true;
  return false;
}

std::optional<Response> FileMounts::Serve(const std::string& path) const {
  for (const Mount& m : mounts_) {
    if (path.compare(0, m.prefix.size(), m.prefix) != 0) continue;
    std::string rest = path.substr(m.prefix.size());
    if (!rest.empty() && rest[0] != '/') continue;
    if (rest.empty()) {
      Response r{.status = 301, .content_type = "text/plain", .body = {}, .headers = {}};
      r.headers["Location"] = m.prefix + "/";
      return r;
    }
    auto relative = routing::SafeRelativePath(rest);
    if (!relative) return ErrorResponse(404, "no such file");
    std::filesystem::path file = m.root / *relative;
    std::error_code ec;
    auto size = std::filesystem::file_size(file, ec);
    if (ec || !std::filesystem::is_regular_file(file, ec))
      return ErrorResponse(404, "no such file");
    if (size > kMaxFileBytes) return ErrorResponse(500, "file too large to serve");
    std::ifstream in(file, std::ios::binary);
    std::string body(size, '\0');
    if (!in.read(body.data(), static_cast<std::streamsize>(size)))
      return ErrorResponse(500, "cannot read file");
    Response r{.status = 200,
               .content_type = routing::FileType(*relative),
               .body = std::move(body),
               .headers = {}};
    r.headers["Cache-Control"] = "no-cache";
    r.headers["X-Content-Type-Options"] = "nosniff";
    // The screens are the council's own files: scripts, styles, fonts and API calls from this
    // origin only, no inline script, and no framing by another site (a click on "acknowledge"
    // cannot be borrowed from under a page of someone else's).
    r.headers["Content-Security-Policy"] =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'";
    r.headers["X-Frame-Options"] = "DENY";
    r.headers["Referrer-Policy"] = "no-referrer";
    return r;
  }
  return std::nullopt;
}

}  // namespace sightline::http
