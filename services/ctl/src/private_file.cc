#include "private_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <fstream>
#include <system_error>

namespace sightline::ctl {

namespace {

std::string Why(const std::string& what) {
  return what + ": " + std::error_code(errno, std::generic_category()).message();
}

}  // namespace

Status WritePrivateFile(const std::string& path, const std::string& text) {
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Unavailable(Why("cannot create '" + tmp + "'"));
  if (::fchmod(fd, 0600) != 0) {  // An older file of that name may have had another mode.
    Status s = Unavailable(Why("cannot restrict '" + tmp + "'"));
    ::close(fd);
    return s;
  }
  std::size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      Status s = Unavailable(Why("cannot write '" + tmp + "'"));
      ::close(fd);
      return s;
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) {
    Status s = Unavailable(Why("cannot sync '" + tmp + "'"));
    ::close(fd);
    return s;
  }
  if (::close(fd) != 0) return Unavailable(Why("cannot write '" + tmp + "'"));
  if (std::rename(tmp.c_str(), path.c_str()) != 0)
    return Unavailable(Why("cannot rename '" + tmp + "' to '" + path + "'"));
  return Status::Ok();
}

StatusOr<std::string> ReadTokenFile(const std::string& path, const std::string& flag) {
  std::ifstream in(path);
  if (!in) return InvalidArgument(flag + ": cannot read '" + path + "'");
  std::string token;
  std::getline(in, token);
  while (!token.empty() && (token.back() == ' ' || token.back() == '\r')) token.pop_back();
  if (token.empty()) return InvalidArgument(flag + ": '" + path + "' holds no token");
  return token;
}

}  // namespace sightline::ctl
