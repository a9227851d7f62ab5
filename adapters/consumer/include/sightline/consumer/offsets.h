// Where a consumer's next offsets live in its store: beside its state, written in the same
// WriteBatch, so that state and position can never disagree (ADR 0007). One encoding for every
// service:
//   "offset/<partition, decimal>" -> next offset, 8 bytes big-endian
//   "offsets_topic"               -> the topic those offsets belong to
// A store whose offsets belong to another topic is refused, not silently reused.
#pragma once

#include <cstdint>
#include <map>
#include <string_view>

#include "sightline/core/status.h"
#include "sightline/storage/store.h"

namespace sightline::consumer {

void PutOffsets(storage::WriteBatch& batch, std::string_view cf, std::string_view topic,
                const std::map<std::int32_t, std::int64_t>& next_offsets);

// The stored next offset per partition (partitions never committed are absent). kInternal for a
// row that does not decode or offsets of a topic other than `topic`.
StatusOr<std::map<std::int32_t, std::int64_t>> ReadOffsets(const storage::Store& store,
                                                           std::string_view cf,
                                                           std::string_view topic);

}  // namespace sightline::consumer
