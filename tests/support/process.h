// Test helpers to run real processes (the gateway, the broker script) and find free ports.
// Child processes are stopped when the Process object is destroyed, even when a test fails.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace sightline::testing {

class Process {
 public:
  // Starts argv[0] with the given arguments; stdout and stderr go to log_file.
  Process(const std::vector<std::string>& argv, const std::string& log_file);
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  bool Running();
  // SIGTERM, then SIGKILL after the grace period. Returns the exit status (or -signal).
  int Stop(std::chrono::milliseconds grace = std::chrono::milliseconds(10000));
  void Kill();

 private:
  pid_t pid_ = -1;
  int status_ = 0;
};

// Runs a command to completion; returns its exit code (output to log_file).
int Run(const std::vector<std::string>& argv, const std::string& log_file);

// A TCP port on 127.0.0.1 that was free a moment ago.
int FreePort();

// A fresh temporary directory. It is removed when the test binary exits with every test passed
// (kept after a failure, or with SIGHTLINE_KEEP_TEST_DIRS=1).
std::string TempDir(const std::string& name);

// A throwaway CA with server (127.0.0.1, localhost) and client certificates, made by
// tests/support/make-test-pki.sh in a fresh directory: ca.pem, server.pem/.key, client.pem/.key.
// "" when it could not be made.
std::string MakeTestPki(const std::string& name);

// An environment variable, or `fallback` when it is unset.
std::string Env(const char* name, const std::string& fallback = "");

// The repository root and the folder of built binaries (set by CTest's environment).
std::string SourceDir();
std::string BinDir();

// Starts a service that writes its bound port to `port_file` (removed first) and waits up to
// 20 s for it. Returns the process and sets `url` to http://127.0.0.1:<port>, or returns null.
std::unique_ptr<Process> StartWithPortFile(std::vector<std::string> argv,
                                           const std::string& log_file,
                                           const std::string& port_file, std::string& url);

// Polls `ready` every 100 ms until it is true or the timeout passes.
bool WaitFor(const std::function<bool()>& ready, std::chrono::milliseconds timeout);

}  // namespace sightline::testing
