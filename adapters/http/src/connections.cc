#include "connections.h"

namespace sightline::http {

bool Registry::Admit(const std::shared_ptr<Connection>& c) {
  std::lock_guard lock(mu_);
  if (stopping_) return false;
  bool over_total = static_cast<int>(conns_.size()) >= max_connections_;
  auto mine = addresses_.find(c->peer);
  bool over_mine = mine != addresses_.end() && mine->second.count >= max_per_address_;
  if (over_total || over_mine) {
    const std::set<IdleKey>& candidates = over_mine ? mine->second.idle : idle_all_;
    std::shared_ptr<Connection> victim;
    if (!candidates.empty()) victim = conns_[candidates.begin()->second].lock();
    if (!victim) {
      ++stats_.refused;
      return false;
    }
    ++stats_.evicted;
    ForgetLocked(*victim);
    net::post(victim->Tcp().get_executor(), [victim] { victim->Close(); });
  }
  c->id = ++next_id_;
  conns_[c->id] = c;
  ++addresses_[c->peer].count;
  return true;
}

void Registry::UnidleLocked(Connection& c) {
  if (!c.idle) return;
  c.idle = false;
  IdleKey key{c.idle_since, c.id};
  idle_all_.erase(key);
  auto it = addresses_.find(c.peer);
  if (it != addresses_.end()) it->second.idle.erase(key);
}

void Registry::ForgetLocked(Connection& c) {
  if (conns_.erase(c.id) == 0) return;
  UnidleLocked(c);
  auto it = addresses_.find(c.peer);
  if (it != addresses_.end() && --it->second.count <= 0) addresses_.erase(it);
}

void Registry::Forget(Connection& c) {
  std::lock_guard lock(mu_);
  ForgetLocked(c);
}

void Registry::SetIdle(Connection& c, bool idle) {
  std::lock_guard lock(mu_);
  UnidleLocked(c);
  if (!idle || conns_.count(c.id) == 0) return;  // Evicted meanwhile: it is closing.
  c.idle = true;
  c.idle_since = Clock::now();
  idle_all_.insert({c.idle_since, c.id});
  addresses_[c.peer].idle.insert({c.idle_since, c.id});
}

void Registry::Count(std::uint64_t ServerStats::*field) {
  std::lock_guard lock(mu_);
  ++(stats_.*field);
}

void Registry::AddStreams(int delta) {
  std::lock_guard lock(mu_);
  stats_.streams += delta;
}

std::optional<std::vector<std::shared_ptr<Connection>>> Registry::StopAdmitting() {
  std::lock_guard lock(mu_);
  if (stopping_) return std::nullopt;
  stopping_ = true;
  std::vector<std::shared_ptr<Connection>> open;
  for (auto& [id, weak] : conns_)
    if (auto c = weak.lock()) open.push_back(c);
  return open;
}

ServerStats Registry::Stats() const {
  std::lock_guard lock(mu_);
  ServerStats s = stats_;
  s.connections = static_cast<int>(conns_.size());
  return s;
}

}  // namespace sightline::http
