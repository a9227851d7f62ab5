#include "record_json.h"

#include <functional>

#include "json_out.h"
#include "sightline/projections/v1/projections.pb.h"

namespace sightline::projector {

std::shared_ptr<const RecordJson> WriteRecordJson(std::string_view bytes) {
  projections::v1::ChildRecord record;
  if (!record.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) return nullptr;
  auto out = std::make_shared<RecordJson>();
  out->bytes = std::string(bytes);
  out->record.reserve(bytes.size() * 3);
  JsonOut(out->record).Proto(record);
  out->clocks.reserve(static_cast<std::size_t>(record.clocks_size()));
  for (const projections::v1::OpenClock& c : record.clocks()) {
    bool written = true;
    std::string members = MembersOf([&](JsonOut& w) { written = w.Fields(c); });
    if (!written) return nullptr;
    out->clocks.push_back(
        {.members = std::move(members), .overdue_from = ToInstant(c.overdue_from())});
  }
  return out;
}

RecordJsonCache::RecordJsonCache(std::size_t capacity)
    : per_shard_((capacity + kShards - 1) / kShards) {}

RecordJsonCache::Shard& RecordJsonCache::ShardOf(const std::string& child) {
  return shards_[std::hash<std::string>{}(child) % kShards];
}

std::shared_ptr<const RecordJson> RecordJsonCache::Get(const std::string& child,
                                                       std::string_view bytes) {
  if (per_shard_ == 0) return WriteRecordJson(bytes);
  Shard& shard = ShardOf(child);
  {
    std::lock_guard lock(shard.mu);
    auto it = shard.kept.find(child);
    if (it != shard.kept.end() && it->second->bytes == bytes) return it->second;
  }
  // Written outside the lock: other readers of the shard go on meanwhile.
  std::shared_ptr<const RecordJson> fresh = WriteRecordJson(bytes);
  if (fresh == nullptr) return nullptr;
  std::lock_guard lock(shard.mu);
  ++shard.written;
  auto [it, added] = shard.kept.insert_or_assign(child, fresh);
  if (added) {
    shard.order.push_back(child);
    while (shard.kept.size() > per_shard_) {
      shard.kept.erase(shard.order.front());
      shard.order.pop_front();
    }
  }
  return fresh;
}

std::size_t RecordJsonCache::size() const {
  std::size_t n = 0;
  for (const Shard& s : shards_) {
    std::lock_guard lock(s.mu);
    n += s.kept.size();
  }
  return n;
}

std::size_t RecordJsonCache::written() const {
  std::size_t n = 0;
  for (const Shard& s : shards_) {
    std::lock_guard lock(s.mu);
    n += s.written;
  }
  return n;
}

}  // namespace sightline::projector
