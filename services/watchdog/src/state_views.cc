// WatchdogState's read-only views: the gauges, the open alerts, a child's clocks, the whole
// index (dump, tests). Safe alongside the writer thread (state.h).
#include <algorithm>
#include <cstdlib>

#include "sightline/crypto/digest.h"
#include "sightline/domain/clocks/subjects.h"
#include "state.h"
#include "state_rows.h"

namespace sightline::watchdog_service {

using namespace state_rows;  // NOLINT(google-build-using-namespace): the store's own rows.

StatusOr<Gauges> WatchdogState::ReadGauges() const {
  Gauges g;
  Status s = store_->Scan(kTallies, "", [&](std::string_view key, std::string_view value) {
    std::int64_t n = ReadCount(value);
    if (key.starts_with("rule/")) {
      g.open_by_rule[std::string(key.substr(5))] = n;
    } else if (key.starts_with("alerts/")) {
      std::string_view rest = key.substr(7);
      std::size_t slash = rest.find('/');
      int level = std::atoi(std::string(rest.substr(slash + 1)).c_str());
      g.alerts[{std::string(rest.substr(0, slash)), level}] = n;
    }
    return true;
  });
  if (!s.ok()) return s;
  std::string floor = RaisedFloor();
  std::string first;
  s = store_->ScanRange(kRaised, floor, {}, [&](std::string_view key, std::string_view) {
    first = std::string(key);
    return false;
  });
  if (!s.ok()) return s;
  if (!first.empty()) {
    g.oldest_due =
        Instant(std::chrono::seconds(static_cast<std::int64_t>(FromBigEndianKey(first))));
  }
  {
    // Rows below the first live one are gone: the next read starts there (above every key when
    // there is none), and a row raised below it meanwhile lowers it (LowerRaisedFloor).
    std::lock_guard lock(raised_mu_);
    if (raised_floor_ == floor) raised_floor_ = first.empty() ? std::string(9, '\xff') : first;
  }
  return g;
}

StatusOr<std::vector<wv::Deadline>> WatchdogState::OpenAlerts(std::size_t limit, bool& more) const {
  std::vector<wv::Deadline> out;
  more = false;
  Status s =
      store_->ScanRange(kRaised, RaisedFloor(), {}, [&](std::string_view, std::string_view value) {
        if (out.size() == limit) {
          more = true;
          return false;
        }
        return out.emplace_back().ParseFromArray(value.data(), static_cast<int>(value.size()));
      });
  if (!s.ok()) return s;
  return out;
}

StatusOr<std::vector<wv::Deadline>> WatchdogState::ClocksOf(const std::string& child) const {
  // The child's own stream, and the households its events name (their clocks about it).
  std::vector<std::string> streams = {child};
  std::vector<v1::Envelope> events;
  if (Status s = LoadStream(*store_, child, events); !s.ok()) return s;
  for (const v1::Envelope& e : events) {
    if (e.household_id().empty()) continue;
    std::string h = domain::StreamKey(domain::Scope::kHousehold, e.household_id());
    if (std::find(streams.begin(), streams.end(), h) == streams.end()) streams.push_back(h);
  }
  std::vector<wv::Deadline> out;
  for (const std::string& stream : streams) {
    auto stored = store_->Get(kLedgers, stream);
    if (!stored.ok()) return stored.status();
    wv::ChildLedger ledger;
    if (!stored.value() || !ledger.ParseFromString(*stored.value())) continue;
    for (const std::string& key : ledger.deadline_keys()) {
      auto row = store_->Get(kDeadlines, key);
      if (!row.ok()) return row.status();
      wv::Deadline d;
      if (row.value() && d.ParseFromString(*row.value()) && d.child_id() == child)
        out.push_back(std::move(d));
    }
  }
  std::sort(out.begin(), out.end(), [](const wv::Deadline& a, const wv::Deadline& b) {
    return std::pair(a.next_wake().seconds(), a.clock_id()) <
           std::pair(b.next_wake().seconds(), b.clock_id());
  });
  return out;
}

StatusOr<std::vector<wv::Deadline>> WatchdogState::OpenClocks() const {
  std::vector<wv::Deadline> out;
  Status s = store_->Scan(kDeadlines, "", [&](std::string_view, std::string_view value) {
    return out.emplace_back().ParseFromArray(value.data(), static_cast<int>(value.size()));
  });
  if (!s.ok()) return s;
  return out;
}

StatusOr<std::pair<std::string, std::size_t>> WatchdogState::DeadlineDigest() const {
  crypto::Sha256 digest;
  std::size_t rows = 0;
  Status s = store_->Scan(kDeadlines, "", [&](std::string_view key, std::string_view value) {
    digest.Update(BigEndianKey(key.size()));
    digest.Update(key);
    digest.Update(BigEndianKey(value.size()));
    digest.Update(value);
    ++rows;
    return true;
  });
  if (!s.ok()) return s;
  return std::pair(digest.HexDigest(), rows);
}

}  // namespace sightline::watchdog_service
