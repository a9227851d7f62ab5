// A child's record as JSON, kept for the exact stored bytes it was written from (ADR 0026). A read
// of /v1/children/{id} still reads the record from the store every time; when the bytes are the
// ones a kept entry was written from, it copies that entry instead of parsing the record and
// writing it by reflection. The kept part is the same for every reader who may open the record:
// the record itself, and each open clock but for whether it is overdue, which changes with the
// time. So nothing kept can be stale: different bytes are written afresh.
//
// At most `capacity` children are kept; beyond that the child kept longest is dropped. Thread-safe.
#pragma once

#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "sightline/core/time.h"

namespace sightline::projector {

struct RecordJson {
  std::string bytes;   // The stored ChildRecord it was written from.
  std::string record;  // The record as one object (JsonOut::Proto).
  struct Clock {
    std::string members;  // The open clock's fields (JsonOut::Fields), without braces.
    Instant overdue_from;
  };
  std::vector<Clock> clocks;  // In the record's order.
};

// The JSON of a stored ChildRecord; null when the bytes do not parse or cannot be written.
std::shared_ptr<const RecordJson> WriteRecordJson(std::string_view bytes);

class RecordJsonCache {
 public:
  explicit RecordJsonCache(std::size_t capacity);

  // The JSON of `child`'s record stored as `bytes`: kept, or written now and kept.
  std::shared_ptr<const RecordJson> Get(const std::string& child, std::string_view bytes);

  std::size_t size() const;
  std::size_t written() const;  // Entries written (not copied) since the cache was made.

 private:
  static constexpr std::size_t kShards = 16;
  struct Shard {
    mutable std::mutex mu;
    std::unordered_map<std::string, std::shared_ptr<const RecordJson>> kept;
    std::deque<std::string> order;  // Children in the order they were first kept.
    std::size_t written = 0;
  };
  Shard& ShardOf(const std::string& child);

  std::size_t per_shard_;
  Shard shards_[kShards];
};

}  // namespace sightline::projector
