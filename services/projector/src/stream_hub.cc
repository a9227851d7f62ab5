#include "stream_hub.h"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>

namespace sightline::projector {

StreamHub::StreamHub(ChangeFeed& feed, Filter filter, StreamLimits limits, Hooks hooks)
    : feed_(feed),
      filter_(std::move(filter)),
      limits_(limits),
      hooks_(std::move(hooks)),
      start_(feed.Latest()),
      thread_([this] { Run(); }) {}

StreamHub::~StreamHub() { Stop(); }

void StreamHub::Stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

std::optional<http::Response> StreamHub::CheckCapacity(const std::string& user_id) const {
  std::lock_guard lock(mu_);
  int mine = 0;
  for (const Client& c : clients_)
    if (c.user.id == user_id && c.sink->open()) ++mine;
  if (mine >= limits_.max_per_user) {
    http::Response r = http::ErrorResponse(
        429, "at most " + std::to_string(limits_.max_per_user) + " open streams per user");
    r.headers["Retry-After"] = "15";
    return r;
  }
  if (static_cast<int>(clients_.size()) >= limits_.max_streams) {
    http::Response r = http::ErrorResponse(503, "too many open streams; retry shortly");
    r.headers["Retry-After"] = "15";
    return r;
  }
  return std::nullopt;
}

void StreamHub::Attach(const domain::User& user, const std::shared_ptr<http::StreamSink>& sink) {
  int count = 0;
  {
    // Reading the sequence and joining under one lock: the hub's next batch either includes this
    // client or starts after `from`, so no change between them is missed.
    std::lock_guard lock(mu_);
    std::uint64_t from = feed_.Latest();
    sink->Send("event: hello\ndata: {\"seq\":" + std::to_string(from) + "}\n\n");
    clients_.push_back({user, sink, from, std::chrono::steady_clock::now(),
                        std::make_shared<std::set<std::string>>()});
    count = static_cast<int>(clients_.size());
  }
  if (hooks_.on_count) hooks_.on_count(count);
}

int StreamHub::size() const {
  std::lock_guard lock(mu_);
  return static_cast<int>(clients_.size());
}

std::vector<StreamHub::Client> StreamHub::Prune() {
  std::vector<Client> alive;
  std::vector<Client> closed;
  {
    std::lock_guard lock(mu_);
    for (Client& c : clients_) (c.sink->open() ? alive : closed).push_back(std::move(c));
    clients_ = alive;
  }
  if (closed.empty()) return alive;
  if (hooks_.on_count) hooks_.on_count(static_cast<int>(alive.size()));
  for (const Client& c : closed) {
    if (!hooks_.on_close) break;
    auto open_for = std::chrono::duration_cast<std::chrono::seconds>(
        std::chrono::steady_clock::now() - c.opened);
    hooks_.on_close(c.user, open_for, std::vector<std::string>(c.named->begin(), c.named->end()));
  }
  return alive;
}

void StreamHub::Run() {
  std::uint64_t seen = start_;
  while (!stop_ && !feed_.closed()) {
    std::uint64_t seq = seen;
    bool lost = false;
    std::vector<std::string> changed =
        feed_.WaitAfter(seen, std::chrono::milliseconds(200), seq, lost);
    std::vector<Client> clients = Prune();
    if (seq == seen) continue;
    seen = seq;
    if (clients.empty()) continue;
    std::sort(changed.begin(), changed.end());
    changed.erase(std::unique(changed.begin(), changed.end()), changed.end());
    struct Message {
      std::string text;
      std::vector<std::string> children;
    };
    std::map<std::string, Message> message_for;  // By user id.
    for (const Client& c : clients) {
      if (c.from >= seq) continue;  // Joined after this batch.
      auto it = message_for.find(c.user.id);
      if (it == message_for.end()) {
        std::vector<std::string> visible = filter_(c.user, changed);
        std::string text;
        if (!visible.empty() || lost) {
          nlohmann::json data = {{"seq", seq}, {"children", visible}, {"reload", lost}};
          text = "event: changed\ndata: " + data.dump() + "\n\n";
        }
        it = message_for.emplace(c.user.id, Message{std::move(text), std::move(visible)}).first;
      }
      if (it->second.text.empty()) continue;
      c.sink->Send(it->second.text);
      c.named->insert(it->second.children.begin(), it->second.children.end());
    }
  }
}

}  // namespace sightline::projector
