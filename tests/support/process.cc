#include "process.h"

#include <cstdio>
#include <fstream>

#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcntl.h>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

extern char** environ;

namespace sightline::testing {

namespace {

pid_t Spawn(const std::vector<std::string>& argv, const std::string& log_file) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND,
                                   0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("cannot start " + argv[0]);
  return pid;
}

int Decode(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return -WTERMSIG(status);
  return -1;
}

}  // namespace

Process::Process(const std::vector<std::string>& argv, const std::string& log_file)
    : pid_(Spawn(argv, log_file)) {}

Process::~Process() {
  if (pid_ > 0) Stop(std::chrono::milliseconds(5000));
}

bool Process::Running() {
  if (pid_ <= 0) return false;
  int status = 0;
  pid_t r = waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    status_ = Decode(status);
    pid_ = -1;
    return false;
  }
  return true;
}

int Process::Stop(std::chrono::milliseconds grace) {
  if (!Running()) return status_;
  kill(pid_, SIGTERM);
  auto deadline = std::chrono::steady_clock::now() + grace;
  while (Running()) {
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid_, SIGKILL);
      int status = 0;
      waitpid(pid_, &status, 0);
      status_ = Decode(status);
      pid_ = -1;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return status_;
}

void Process::Kill() {
  if (!Running()) return;
  kill(pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
  status_ = Decode(status);
  pid_ = -1;
}

int Run(const std::vector<std::string>& argv, const std::string& log_file) {
  pid_t pid = Spawn(argv, log_file);
  int status = 0;
  waitpid(pid, &status, 0);
  return Decode(status);
}

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    throw std::runtime_error("FreePort: cannot bind a socket on 127.0.0.1");
  }
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

namespace {

// The directories TempDir made. When the test binary exits with no test failed they are removed;
// a failed run keeps them to be looked at, and so does SIGHTLINE_KEEP_TEST_DIRS=1. Destroyed
// after main returns, once every fixture (and every process it started) is gone.
class TempDirs {
 public:
  void Add(std::string dir) {
    std::lock_guard lock(mu_);
    dirs_.push_back(std::move(dir));
  }
  ~TempDirs() {
    // GoogleTest's UnitTest is never destroyed, so it can still be asked here.
    if (::testing::UnitTest::GetInstance()->Failed() || !Env("SIGHTLINE_KEEP_TEST_DIRS").empty())
      return;
    for (const std::string& dir : dirs_) {
      std::error_code ec;
      std::filesystem::remove_all(dir, ec);
    }
  }
  TempDirs() = default;
  TempDirs(const TempDirs&) = delete;
  TempDirs& operator=(const TempDirs&) = delete;

 private:
  std::mutex mu_;
  std::vector<std::string> dirs_;
};

TempDirs& MadeDirs() {
  static TempDirs dirs;
  return dirs;
}

}  // namespace

std::string TempDir(const std::string& name) {
  std::string pattern =
      (std::filesystem::temp_directory_path() / ("sightline-" + name + "-XXXXXX"));
  if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  MadeDirs().Add(pattern);
  return pattern;
}

std::string MakeTestPki(const std::string& name) {
  std::string dir = TempDir(name);
  int rc = Run({SourceDir() + "/tests/support/make-test-pki.sh", dir}, dir + "/make.log");
  return rc == 0 ? dir : "";
}

std::string Env(const char* name, const std::string& fallback) {
  // Tests read their environment before they start threads, and nothing sets it meanwhile.
  const char* v = std::getenv(name);  // NOLINT(concurrency-mt-unsafe)
  return v ? v : fallback;
}

std::string SourceDir() { return Env("SIGHTLINE_SOURCE_DIR", "."); }

std::string BinDir() { return Env("SIGHTLINE_BIN_DIR", "./bin"); }

bool WaitFor(const std::function<bool()>& ready, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (ready()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return ready();
}

}  // namespace sightline::testing

namespace sightline::testing {

std::unique_ptr<Process> StartWithPortFile(std::vector<std::string> argv,
                                           const std::string& log_file,
                                           const std::string& port_file, std::string& url) {
  std::remove(port_file.c_str());
  argv.push_back("--port-file");
  argv.push_back(port_file);
  auto process = std::make_unique<Process>(std::move(argv), log_file);
  bool up = WaitFor(
      [&] {
        std::ifstream in(port_file);
        int port = 0;
        if (!(in >> port) || port <= 0) return false;
        url = "http://127.0.0.1:" + std::to_string(port);
        return true;
      },
      std::chrono::seconds(20));
  return up ? std::move(process) : nullptr;
}

}  // namespace sightline::testing
