// Fans the change feed out to every /v1/stream client from one thread, however many clients
// there are (each client is an http::StreamSink and costs no thread). Each client hears only of
// the changed children its user may see: `filter` decides, once per distinct user per change.
// Caps: streams in all and per user; beyond them a client gets 503 or 429 before it opens.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "change_feed.h"
#include "sightline/domain/access/access.h"
#include "sightline/http/server.h"

namespace sightline::projector {

struct StreamLimits {
  int max_streams = 512;
  int max_per_user = 4;
};

class StreamHub {
 public:
  using Filter = std::function<std::vector<std::string>(const domain::User& user,
                                                        const std::vector<std::string>& changed)>;
  struct Hooks {
    std::function<void(int)> on_count;  // The number of open streams, whenever it changes.
    // A stream that was attached has ended: for how long it was open and which children it
    // named (each at most once; for the access audit).
    std::function<void(const domain::User&, std::chrono::seconds open_for,
                       const std::vector<std::string>& children)>
        on_close;
  };
  StreamHub(ChangeFeed& feed, Filter filter, StreamLimits limits, Hooks hooks);
  ~StreamHub();
  StreamHub(const StreamHub&) = delete;
  StreamHub& operator=(const StreamHub&) = delete;

  // The refusal for one more stream of `user_id`, or nullopt when there is room.
  std::optional<http::Response> CheckCapacity(const std::string& user_id) const;
  // Sends the hello event and subscribes the sink to changes from now on.
  void Attach(const domain::User& user, const std::shared_ptr<http::StreamSink>& sink);
  int size() const;
  void Stop();

 private:
  struct Client {
    domain::User user;
    std::shared_ptr<http::StreamSink> sink;
    std::uint64_t from = 0;  // The feed sequence in its hello.
    std::chrono::steady_clock::time_point opened;
    std::shared_ptr<std::set<std::string>> named;  // Children named to it so far.
  };
  void Run();
  // Drops closed clients; returns the survivors (a copy, to send to without the lock).
  std::vector<Client> Prune();

  ChangeFeed& feed_;
  Filter filter_;
  StreamLimits limits_;
  Hooks hooks_;
  std::uint64_t start_;
  mutable std::mutex mu_;
  std::vector<Client> clients_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace sightline::projector
