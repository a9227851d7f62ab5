// A raw TCP client for tests that play hostile HTTP clients: it sends exactly the bytes given
// (partial headers, lying lengths, garbage) and reads whatever comes back.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>

namespace sightline::testing {

class RawSocket {
 public:
  // Connects to 127.0.0.1:port (blocking); connected() tells whether it worked.
  explicit RawSocket(int port);
  ~RawSocket();
  RawSocket(const RawSocket&) = delete;
  RawSocket& operator=(const RawSocket&) = delete;

  bool connected() const { return connected_; }
  bool Send(const std::string& bytes);
  // Reads until the peer closes, `stop_at` appears, or `wait` passes without data.
  std::string Read(std::chrono::milliseconds wait, const std::string& stop_at = "");
  // True once a read has seen the peer close the connection.
  bool closed() const { return closed_; }

 private:
  int fd_;
  bool connected_ = false;
  bool closed_ = false;
};

// Raises this process's open-file limit to its hard limit; returns the new soft limit.
long RaiseFileLimit();

// A process's resident set and its peak, in KiB (from /proc/<pid>/status); 0 when unknown.
long ResidentKiB(pid_t pid);
long PeakResidentKiB(pid_t pid);

}  // namespace sightline::testing
