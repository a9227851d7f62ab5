#include "sightline/storage/store.h"

#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/memtablerep.h>
#include <rocksdb/table.h>
#include <rocksdb/utilities/table_properties_collectors.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <filesystem>
#include <map>

#include "sightline/core/no_wait.h"

namespace sightline::storage {

std::string BigEndianKey(std::uint64_t v) {
  std::string out(8, '\0');
  for (int i = 7; i >= 0; --i, v >>= 8) out[static_cast<std::size_t>(i)] = static_cast<char>(v);
  return out;
}

std::uint64_t FromBigEndianKey(std::string_view s) {
  std::uint64_t v = 0;
  for (unsigned char c : s.substr(0, 8)) v = (v << 8) | c;
  return v;
}

WriteBatch::WriteBatch() = default;
WriteBatch::~WriteBatch() = default;
WriteBatch::WriteBatch(WriteBatch&&) noexcept = default;
WriteBatch& WriteBatch::operator=(WriteBatch&&) noexcept = default;

void WriteBatch::Add(Kind kind, std::string_view cf, std::string_view key, std::string_view value) {
  std::uint32_t index = 0;
  while (index < cfs_.size() && cfs_[index] != cf) ++index;
  if (index == cfs_.size()) cfs_.emplace_back(cf);
  Op op{.key = data_.size(),
        .key_size = key.size(),
        .value = data_.size() + key.size(),
        .value_size = value.size(),
        .cf = index,
        .kind = kind};
  data_.append(key);
  data_.append(value);
  ops_.push_back(op);
}
void WriteBatch::Put(std::string_view cf, std::string_view key, std::string_view value) {
  Add(Kind::kPut, cf, key, value);
}
void WriteBatch::Delete(std::string_view cf, std::string_view key) {
  Add(Kind::kDelete, cf, key, {});
}
void WriteBatch::DeleteRange(std::string_view cf, std::string_view begin, std::string_view end) {
  Add(Kind::kDeleteRange, cf, begin, end);
}
std::size_t WriteBatch::Count() const { return ops_.size(); }
std::size_t WriteBatch::Count(std::string_view cf) const {
  auto index = std::find(cfs_.begin(), cfs_.end(), cf);
  if (index == cfs_.end()) return 0;
  auto n = static_cast<std::uint32_t>(index - cfs_.begin());
  return static_cast<std::size_t>(
      std::count_if(ops_.begin(), ops_.end(), [n](const Op& op) { return op.cf == n; }));
}
std::size_t WriteBatch::ByteSize() const { return data_.size(); }

struct Store::Impl {
  std::string path;
  bool sync = true;
  bool wal = true;
  std::unique_ptr<rocksdb::DB> db;
  std::map<std::string, rocksdb::ColumnFamilyHandle*, std::less<>> cfs;

  ~Impl() {
    for (auto& [name, handle] : cfs) db->DestroyColumnFamilyHandle(handle).PermitUncheckedError();
    if (db) db->Close().PermitUncheckedError();
  }

  StatusOr<rocksdb::ColumnFamilyHandle*> Cf(std::string_view name) const {
    auto it = cfs.find(name);
    if (it == cfs.end()) return InvalidArgument("no column family '" + std::string(name) + "'");
    return it->second;
  }
};

namespace {

// Reads within a NoWaitScope (sightline/core/no_wait.h) come from memory only: the memtables
// and the block cache. One that would read a table file gets Incomplete from RocksDB instead.
rocksdb::ReadOptions Reading() {
  rocksdb::ReadOptions ro;
  if (InNoWaitScope()) ro.read_tier = rocksdb::kBlockCacheTier;
  return ro;
}

Status FromRocks(const rocksdb::Status& s, const std::string& what) {
  if (s.ok()) return Status::Ok();
  if (s.IsIncomplete() && RefuseToWait())
    return Unavailable(what + ": not in memory, and this thread may not wait for the disk");
  std::string msg = what + ": " + s.ToString();
  if (s.IsCorruption() || s.IsNotSupported()) return Internal(msg);
  return Unavailable(msg);  // I/O errors, busy, no space: retry later, advance nothing.
}

}  // namespace

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Store::~Store() = default;
const std::string& Store::path() const { return impl_->path; }

StatusOr<std::unique_ptr<Store>> Store::Open(const StoreOptions& o) {
  std::error_code ec;
  if (!o.create_if_missing && !std::filesystem::exists(o.path, ec))
    return NotFound("no store at " + o.path);
  if (o.create_if_missing) std::filesystem::create_directories(o.path, ec);
  if (ec) return Unavailable("cannot create " + o.path + ": " + ec.message());
  rocksdb::Options db;
  db.create_if_missing = o.create_if_missing;
  db.create_missing_column_families = true;
  db.IncreaseParallelism(2);
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = rocksdb::NewLRUCache(o.block_cache_bytes);
  table.cache_index_and_filter_blocks = true;  // Index memory counts against the cache too.
  // Partitioned index and Bloom filters: a point read loads one small partition of a table's
  // index (and learns from the filter that most absent keys are absent), instead of reading and
  // decompressing the whole index block of a large table whenever the cache has dropped it. With
  // a bounded cache and millions of keys, that whole-block read was nearly all of the
  // watchdog's ingest time (issue 15). The top level stays pinned; partitions compete for the
  // cache at high priority.
  table.index_type = rocksdb::BlockBasedTableOptions::IndexType::kTwoLevelIndexSearch;
  table.partition_filters = true;
  table.metadata_block_size = 4096;
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  table.pin_top_level_index_and_filter = true;
  table.cache_index_and_filter_blocks_with_high_priority = true;
  rocksdb::ColumnFamilyOptions cf_options;
  cf_options.write_buffer_size = o.write_buffer_bytes;
  cf_options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  if (o.compact_on_deletions > 0) {
    cf_options.table_properties_collector_factories.push_back(
        rocksdb::NewCompactOnDeletionCollectorFactory(4096, o.compact_on_deletions));
  }
  rocksdb::ColumnFamilyOptions bulk_options = cf_options;
  bulk_options.memtable_factory = std::make_shared<rocksdb::VectorRepFactory>();
  // Only skip-list memtables take concurrent inserts; this store has one writer anyway.
  if (!o.bulk_column_families.empty()) db.allow_concurrent_memtable_write = false;
  rocksdb::ColumnFamilyOptions lookup_options = cf_options;
  lookup_options.memtable_prefix_bloom_size_ratio = 0.05;  // Of the memtable's bytes.
  lookup_options.memtable_whole_key_filtering = true;
  auto options_of = [&](const std::string& name) {
    for (const std::string& bulk : o.bulk_column_families)
      if (bulk == name) return bulk_options;
    for (const std::string& lookup : o.lookup_column_families)
      if (lookup == name) return lookup_options;
    return cf_options;
  };
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors = {
      {rocksdb::kDefaultColumnFamilyName, options_of(rocksdb::kDefaultColumnFamilyName)}};
  for (const std::string& name : o.column_families)
    if (name != rocksdb::kDefaultColumnFamilyName) descriptors.emplace_back(name, options_of(name));
  // Existing column families that are not asked for must be opened too.
  std::vector<std::string> existing;
  if (rocksdb::DB::ListColumnFamilies(db, o.path, &existing).ok()) {
    for (const std::string& name : existing) {
      bool known = false;
      for (const auto& d : descriptors) known = known || d.name == name;
      if (!known) descriptors.emplace_back(name, cf_options);
    }
  }
  auto impl = std::make_unique<Impl>();
  impl->path = o.path;
  impl->sync = o.sync_writes;
  impl->wal = o.write_ahead_log;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  Status s =
      FromRocks(rocksdb::DB::Open(rocksdb::DBOptions(db), o.path, descriptors, &handles, &raw),
                "open " + o.path);
  if (!s.ok()) return s;
  impl->db.reset(raw);
  for (std::size_t i = 0; i < handles.size(); ++i) impl->cfs[descriptors[i].name] = handles[i];
  return std::unique_ptr<Store>(new Store(std::move(impl)));
}

StatusOr<std::optional<std::string>> Store::Get(std::string_view cf, std::string_view key) const {
  auto handle = impl_->Cf(cf);
  if (!handle.ok()) return handle.status();
  std::string value;
  rocksdb::Status s =
      impl_->db->Get(Reading(), handle.value(), rocksdb::Slice(key.data(), key.size()), &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  Status st = FromRocks(s, "get");
  if (!st.ok()) return st;
  return std::optional<std::string>(std::move(value));
}

StatusOr<bool> Store::Empty(std::string_view cf) const {
  auto handle = impl_->Cf(cf);
  if (!handle.ok()) return handle.status();
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(Reading(), handle.value()));
  it->SeekToFirst();
  if (Status s = FromRocks(it->status(), "seek"); !s.ok()) return s;
  return !it->Valid();
}

StatusOr<std::vector<std::optional<std::string>>> Store::MultiGet(
    std::string_view cf, std::span<const std::string_view> keys) const {
  auto handle = impl_->Cf(cf);
  if (!handle.ok()) return handle.status();
  std::vector<rocksdb::Slice> slices;
  slices.reserve(keys.size());
  for (std::string_view k : keys) slices.emplace_back(k.data(), k.size());
  std::vector<rocksdb::PinnableSlice> values(keys.size());
  std::vector<rocksdb::Status> statuses(keys.size());
  impl_->db->MultiGet(Reading(), handle.value(), keys.size(), slices.data(), values.data(),
                      statuses.data());
  std::vector<std::optional<std::string>> out(keys.size());
  for (std::size_t i = 0; i < keys.size(); ++i) {
    if (statuses[i].IsNotFound()) continue;
    if (Status s = FromRocks(statuses[i], "multiget"); !s.ok()) return s;
    out[i] = values[i].ToString();
  }
  return out;
}

Status Store::Write(const WriteBatch& batch) { return Write(batch, Durability::kAsConfigured); }

Status Store::Write(const WriteBatch& batch, Durability durability) {
  if (RefuseToWait()) return Unavailable("write: this thread may not wait for the disk");
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  handles.reserve(batch.cfs_.size());
  for (const std::string& name : batch.cfs_) {
    auto handle = impl_->Cf(name);
    if (!handle.ok()) return handle.status();
    handles.push_back(handle.value());
  }
  rocksdb::WriteBatch wb(batch.data_.size() + batch.ops_.size() * 8 + 12);
  for (const WriteBatch::Op& op : batch.ops_) {
    rocksdb::Slice key(batch.data_.data() + op.key, op.key_size);
    rocksdb::Slice value(batch.data_.data() + op.value, op.value_size);
    rocksdb::Status s;
    switch (op.kind) {
      case WriteBatch::Kind::kPut:
        s = wb.Put(handles[op.cf], key, value);
        break;
      case WriteBatch::Kind::kDelete:
        s = wb.Delete(handles[op.cf], key);
        break;
      case WriteBatch::Kind::kDeleteRange:
        s = wb.DeleteRange(handles[op.cf], key, value);
        break;
    }
    if (!s.ok()) return FromRocks(s, "batch");
  }
  rocksdb::WriteOptions wo;
  wo.sync = impl_->sync && impl_->wal && durability == Durability::kAsConfigured;
  wo.disableWAL = !impl_->wal;
  return FromRocks(impl_->db->Write(wo, &wb), "write");
}

Status Store::Scan(std::string_view cf, std::string_view prefix, const RowVisitor& visit,
                   std::string_view start) const {
  auto handle = impl_->Cf(cf);
  if (!handle.ok()) return handle.status();
  // The first key past every key with this prefix bounds the iterator, so that RocksDB stops at
  // the prefix's end in every table instead of positioning on the next key beyond it.
  std::string upper(prefix);
  while (!upper.empty() && static_cast<unsigned char>(upper.back()) == 0xff) upper.pop_back();
  if (!upper.empty()) upper.back() = static_cast<char>(upper.back() + 1);
  rocksdb::Slice upper_slice(upper);
  rocksdb::ReadOptions ro = Reading();
  if (!upper.empty()) ro.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(ro, handle.value()));
  std::string_view from = start.empty() ? prefix : start;
  for (it->Seek(rocksdb::Slice(from.data(), from.size())); it->Valid(); it->Next()) {
    std::string_view key(it->key().data(), it->key().size());
    if (!key.starts_with(prefix)) break;
    if (!visit(key, std::string_view(it->value().data(), it->value().size()))) break;
  }
  return FromRocks(it->status(), "scan");
}

Status Store::ScanRange(std::string_view cf, std::string_view lower, std::string_view upper,
                        const RowVisitor& visit) const {
  auto handle = impl_->Cf(cf);
  if (!handle.ok()) return handle.status();
  rocksdb::Slice lower_slice(lower.data(), lower.size());
  rocksdb::Slice upper_slice(upper.data(), upper.size());
  rocksdb::ReadOptions ro = Reading();
  ro.iterate_lower_bound = &lower_slice;
  if (!upper.empty()) ro.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(ro, handle.value()));
  for (it->Seek(lower_slice); it->Valid(); it->Next()) {
    if (!visit(std::string_view(it->key().data(), it->key().size()),
               std::string_view(it->value().data(), it->value().size())))
      break;
  }
  return FromRocks(it->status(), "scan");
}

Status Store::Flush() {
  if (RefuseToWait()) return Unavailable("flush: this thread may not wait for the disk");
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  for (auto& [name, h] : impl_->cfs) handles.push_back(h);
  return FromRocks(impl_->db->Flush(rocksdb::FlushOptions(), handles), "flush");
}

}  // namespace sightline::storage
