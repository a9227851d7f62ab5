#include "sightline/consumer/offsets.h"

#include <charconv>
#include <string>

namespace sightline::consumer {
namespace {

constexpr std::string_view kPrefix = "offset/";
constexpr std::string_view kTopicKey = "offsets_topic";

}  // namespace

void PutOffsets(storage::WriteBatch& batch, std::string_view cf, std::string_view topic,
                const std::map<std::int32_t, std::int64_t>& next_offsets) {
  if (next_offsets.empty()) return;
  batch.Put(cf, kTopicKey, topic);
  for (const auto& [p, offset] : next_offsets)
    batch.Put(cf, std::string(kPrefix) + std::to_string(p),
              storage::BigEndianKey(static_cast<std::uint64_t>(offset)));
}

StatusOr<std::map<std::int32_t, std::int64_t>> ReadOffsets(const storage::Store& store,
                                                           std::string_view cf,
                                                           std::string_view topic) {
  auto stored_topic = store.Get(cf, kTopicKey);
  if (!stored_topic.ok()) return stored_topic.status();
  if (stored_topic.value() && *stored_topic.value() != topic)
    return Internal("the store at " + store.path() + " holds offsets of topic " +
                    *stored_topic.value() + ", not " + std::string(topic) +
                    ": give each service and topic its own data directory");
  std::map<std::int32_t, std::int64_t> out;
  std::string bad;
  Status s = store.Scan(cf, kPrefix, [&](std::string_view key, std::string_view value) {
    std::string_view digits = key.substr(kPrefix.size());
    std::int32_t partition = -1;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), partition);
    if (ec != std::errc() || end != digits.data() + digits.size() || partition < 0 ||
        value.size() != 8) {
      bad = std::string(key);
      return false;
    }
    out[partition] = static_cast<std::int64_t>(storage::FromBigEndianKey(value));
    return true;
  });
  if (!s.ok()) return s;
  if (!bad.empty())
    return Internal("offsets row '" + bad + "' in " + store.path() +
                    " does not decode; the store is damaged or from an older version (rebuild it)");
  return out;
}

}  // namespace sightline::consumer
