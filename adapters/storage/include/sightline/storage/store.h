// A RocksDB database with named column families, behind plain types so that only this adapter
// includes RocksDB (scripts/check-deps.sh).
//
// Lifecycle: Open() creates the directory and any missing column families; the Store closes on
// destruction. All methods are thread-safe (RocksDB's own guarantee): the projector's writer
// thread and the API's reader threads share one Store. Reads see every committed WriteBatch
// in full or not at all.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sightline/core/status.h"

namespace sightline::storage {

struct StoreOptions {
  std::string path;
  std::vector<std::string> column_families;   // "default" is always present.
  std::size_t block_cache_bytes = 64 << 20;   // Shared LRU block cache: bounds read memory.
  std::size_t write_buffer_bytes = 16 << 20;  // Per column family memtable.
  // A table file in which deletions are dense (this many in any 4,096 consecutive entries) is
  // compacted soon after it is written, so that queues and indexes which delete what they
  // consume do not keep their tombstones until a size-triggered compaction happens by.
  std::size_t compact_on_deletions = 2048;
  bool sync_writes = true;  // fsync the WAL on every Write (power-loss safe).
  // false: writes skip the write-ahead log; only a Flush() makes them durable. For a store that
  // is thrown away unless it is completed and flushed (a projection rebuilt beside the live one).
  bool write_ahead_log = true;
  // Column families loaded in bulk and not read until the store is flushed (a rebuild's events):
  // their memtables append and sort once at flush, instead of inserting each row into a skip
  // list. A read before the flush still sees every row, but sorts the memtable to do so.
  std::vector<std::string> bulk_column_families = {};
  // Column families read mostly by point lookups of keys that are often absent (an index of
  // event ids asked "seen before?"): their memtables keep a Bloom filter of whole keys, so a
  // lookup of a new key skips the skip-list search. Costs a hash per insert.
  std::vector<std::string> lookup_column_families = {};
  bool create_if_missing = true;
};

// Changes applied atomically by Store::Write.
class WriteBatch {
 public:
  WriteBatch();
  ~WriteBatch();
  WriteBatch(WriteBatch&&) noexcept;
  WriteBatch& operator=(WriteBatch&&) noexcept;

  void Put(std::string_view cf, std::string_view key, std::string_view value);
  void Delete(std::string_view cf, std::string_view key);
  // Every key in [begin, end): one range tombstone, however many rows (a consumed queue's range).
  void DeleteRange(std::string_view cf, std::string_view begin, std::string_view end);
  std::size_t Count() const;
  std::size_t Count(std::string_view cf) const;  // Puts and deletes of one column family.
  std::size_t ByteSize() const;

 private:
  friend class Store;
  enum class Kind : std::uint8_t { kPut, kDelete, kDeleteRange };
  // Keys and values are appended to one buffer (a batch of 20,000 events made three strings per
  // row before); column families are interned.
  struct Op {
    std::size_t key = 0, key_size = 0, value = 0, value_size = 0;  // Offsets into data_.
    std::uint32_t cf = 0;                                          // Index into cfs_.
    Kind kind = Kind::kPut;
  };
  void Add(Kind kind, std::string_view cf, std::string_view key, std::string_view value);
  std::vector<std::string> cfs_;
  std::vector<Op> ops_;
  std::string data_;
};

// 8-byte big-endian encoding of an unsigned number, so keys sort in numeric order (sequences,
// times); and back (reads the first 8 bytes).
std::string BigEndianKey(std::uint64_t v);
std::uint64_t FromBigEndianKey(std::string_view s);

// Called for each row in key order; return false to stop.
using RowVisitor = std::function<bool(std::string_view key, std::string_view value)>;

class Store {
 public:
  static StatusOr<std::unique_ptr<Store>> Open(const StoreOptions& options);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // nullopt when the key is absent. Unknown column family is kInvalidArgument.
  StatusOr<std::optional<std::string>> Get(std::string_view cf, std::string_view key) const;
  // Whether the column family holds no row.
  StatusOr<bool> Empty(std::string_view cf) const;
  // Get for many keys of one column family in one call (RocksDB batches the lookups).
  StatusOr<std::vector<std::optional<std::string>>> MultiGet(
      std::string_view cf, std::span<const std::string_view> keys) const;
  Status Write(const WriteBatch& batch);
  // kUnsynced: written to the WAL but not fsynced, even with sync_writes; a power cut may undo
  // it (a process crash does not). Only for changes whose loss repeats work and loses nothing,
  // like deleting a queue row after its delivery (it is delivered again).
  enum class Durability { kAsConfigured, kUnsynced };
  Status Write(const WriteBatch& batch, Durability durability);
  // Rows whose key starts with prefix, from `start` (which must itself start with prefix; empty
  // means the first such row).
  Status Scan(std::string_view cf, std::string_view prefix, const RowVisitor& visit,
              std::string_view start = {}) const;
  // Rows with lower <= key < upper (an empty upper: to the end). The bounds are given to RocksDB,
  // so deleted rows outside them are never stepped over: a queue or an index whose consumed
  // front is remembered costs the same to read however much has been deleted before it.
  Status ScanRange(std::string_view cf, std::string_view lower, std::string_view upper,
                   const RowVisitor& visit) const;
  // Flushes memtables (used before a store is swapped in or copied).
  Status Flush();
  const std::string& path() const;

 private:
  struct Impl;
  explicit Store(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sightline::storage
