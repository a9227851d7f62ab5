#include "store_layout.h"

#include <charconv>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "sightline/consumer/offsets.h"
#include "sightline/crypto/digest.h"

namespace sightline::projector {

namespace fs = std::filesystem;

const std::vector<std::string>& ColumnFamilies() {
  static const std::vector<std::string> kAll = {
      cf::kEvents, cf::kEventIds,   cf::kChildren, cf::kSummaries, cf::kOwned,
      cf::kQueue,  cf::kHouseholds, cf::kNames,    cf::kLinks,     cf::kMeta};
  return kAll;
}

storage::StoreOptions StoreOptionsFor(const ProjectorConfig& c, const std::string& path) {
  return {.path = path,
          .column_families = ColumnFamilies(),
          .block_cache_bytes = c.block_cache_bytes,
          .write_buffer_bytes = c.write_buffer_bytes,
          .sync_writes = c.sync_writes,
          .lookup_column_families = {cf::kEventIds}};
}

storage::StoreOptions ReplayStoreOptionsFor(const ProjectorConfig& c, const std::string& path) {
  storage::StoreOptions options = StoreOptionsFor(c, path);
  options.sync_writes = false;
  options.write_ahead_log = false;
  // A replay writes events and does not read them until FoldAll, after a flush (ADR 0015).
  options.bulk_column_families = {cf::kEvents};
  return options;
}

StatusOr<std::string> NewStorePath(const ProjectorConfig& c, Instant now) {
  auto stamp = now.time_since_epoch() / std::chrono::microseconds(1);
  fs::path path = fs::path(c.data_dir) / "stores" / ("store-" + std::to_string(stamp));
  std::error_code ec;
  fs::create_directories(path, ec);
  if (ec) return Unavailable("cannot create " + path.string() + ": " + ec.message());
  return path.string();
}

Status SwapCurrent(const ProjectorConfig& c, const std::string& path, bool remove_old) {
  fs::path link = fs::path(c.data_dir) / "current";
  fs::path tmp = fs::path(c.data_dir) / "current.tmp";
  std::error_code ec;
  fs::path old = fs::is_symlink(link, ec) ? fs::read_symlink(link, ec) : fs::path();
  fs::remove(tmp, ec);
  fs::create_directory_symlink(fs::relative(path, c.data_dir), tmp, ec);
  if (ec) return Unavailable("cannot link " + tmp.string() + ": " + ec.message());
  fs::rename(tmp, link, ec);  // rename(2) replaces the old link atomically.
  if (ec) return Unavailable("cannot swap " + link.string() + ": " + ec.message());
  if (remove_old && !old.empty() &&
      fs::weakly_canonical(fs::path(c.data_dir) / old) != fs::weakly_canonical(path)) {
    fs::remove_all(fs::path(c.data_dir) / old, ec);  // Best effort: space only.
  }
  return Status::Ok();
}

StatusOr<std::string> CurrentStorePath(const ProjectorConfig& c) {
  std::error_code ec;
  fs::path real = fs::canonical(fs::path(c.data_dir) / "current", ec);
  if (ec) return Unavailable("cannot resolve " + c.data_dir + "/current: " + ec.message());
  return real.string();
}

// Stores written before the consumer shell (ADR 0007) kept "offset/<topic>/<%06d partition>" ->
// decimal in meta. They are rewritten in the shell's encoding, in one WriteBatch, on open.
namespace {

Status MigrateLegacyOffsets(storage::Store& store, const std::string& topic) {
  storage::WriteBatch batch;
  std::map<std::int32_t, std::int64_t> offsets;
  std::string refused;
  Status s = store.Scan(cf::kMeta, "offset/", [&](std::string_view key, std::string_view value) {
    std::string_view rest = key.substr(7);
    std::size_t slash = rest.rfind('/');
    if (slash == std::string_view::npos) return true;  // Already the shell's "offset/<p>".
    std::string_view row_topic = rest.substr(0, slash), digits = rest.substr(slash + 1);
    std::int32_t partition = -1;
    std::int64_t next = -1;
    auto p = std::from_chars(digits.data(), digits.data() + digits.size(), partition);
    auto v = std::from_chars(value.data(), value.data() + value.size(), next);
    if (row_topic != topic || p.ec != std::errc() || v.ec != std::errc() || partition < 0 ||
        next < 0) {
      refused = std::string(key);
      return false;
    }
    offsets[partition] = next;
    batch.Delete(cf::kMeta, key);
    return true;
  });
  if (!s.ok()) return s;
  if (!refused.empty())
    return Internal("the store at " + store.path() + " has an offsets row '" + refused +
                    "' that is not for topic " + topic +
                    ": run `sightline-projector rebuild` to replay the topic into a new store");
  if (offsets.empty()) return Status::Ok();
  consumer::PutOffsets(batch, cf::kMeta, topic, offsets);
  if (Status w = store.Write(batch); !w.ok()) return w;
  std::cerr << "sightline-projector: migrated " << offsets.size()
            << " stored offsets to the consumer shell's encoding\n";
  return Status::Ok();
}

// A store from before the queue length row: count the queue once.
Status EnsureQueueLength(storage::Store& store) {
  auto row = store.Get(cf::kMeta, kQueueLengthRow);
  if (!row.ok()) return row.status();
  if (row.value()) return Status::Ok();
  std::uint64_t n = 0;
  Status s = store.Scan(cf::kQueue, "", [&](std::string_view, std::string_view) {
    ++n;
    return true;
  });
  if (!s.ok()) return s;
  storage::WriteBatch batch;
  batch.Put(cf::kMeta, kQueueLengthRow, storage::BigEndianKey(n));
  return store.Write(batch);
}

StatusOr<std::unique_ptr<storage::Store>> OpenLinked(const ProjectorConfig& c, bool create) {
  // Opened by its real directory, never through the link: a store opened through `current`
  // would keep writing (flushes, compactions, deleting obsolete files) wherever the link points
  // after a rebuild has moved it (ADR 0016).
  auto real = CurrentStorePath(c);
  if (!real.ok()) return real.status();
  storage::StoreOptions options = StoreOptionsFor(c, real.value());
  options.create_if_missing = create;
  auto store = storage::Store::Open(options);
  if (!store.ok()) return store.status();
  if (Status s = MigrateLegacyOffsets(*store.value(), c.topic); !s.ok()) return s;
  if (create) {
    if (Status s = EnsureQueueLength(*store.value()); !s.ok()) return s;
  }
  return store;
}

}  // namespace

StatusOr<std::int64_t> ReadQueueLength(const storage::Store& store) {
  auto row = store.Get(cf::kMeta, kQueueLengthRow);
  if (!row.ok()) return row.status();
  return row.value() ? static_cast<std::int64_t>(storage::FromBigEndianKey(*row.value()))
                     : std::int64_t{0};
}

Status AddQueueLength(const storage::Store& store, std::int64_t delta, storage::WriteBatch& batch) {
  if (delta == 0) return Status::Ok();
  auto n = ReadQueueLength(store);
  if (!n.ok()) return n.status();
  std::int64_t next = n.value() + delta;
  if (next < 0) return Internal("queue length would fall below zero");
  batch.Put(cf::kMeta, kQueueLengthRow, storage::BigEndianKey(static_cast<std::uint64_t>(next)));
  return Status::Ok();
}

StatusOr<std::unique_ptr<storage::Store>> OpenCurrent(const ProjectorConfig& c, Instant now) {
  fs::path link = fs::path(c.data_dir) / "current";
  std::error_code ec;
  if (!fs::exists(link, ec)) {
    auto path = NewStorePath(c, now);
    if (!path.ok()) return path.status();
    if (Status s = SwapCurrent(c, path.value()); !s.ok()) return s;
  }
  return OpenLinked(c, true);
}

StatusOr<std::unique_ptr<storage::Store>> OpenExisting(const ProjectorConfig& c) {
  fs::path link = fs::path(c.data_dir) / "current";
  std::error_code ec;
  if (!fs::exists(link, ec))
    return NotFound("no projector store at " + link.string() +
                    " (check store.data_dir or --data-dir; `serve` or `rebuild` creates one)");
  return OpenLinked(c, false);
}

StatusOr<DumpSummary> Dump(const storage::Store& store, std::ostream* out) {
  DumpSummary summary;
  crypto::Sha256 digest;
  for (const std::string& name : ColumnFamilies()) {
    if (name == cf::kMeta) continue;
    std::size_t& rows = summary.rows[name];
    Status s = store.Scan(name, "", [&](std::string_view key, std::string_view value) {
      std::string line = name + " " + crypto::Hex(key) + " " + crypto::Hex(value) + "\n";
      digest.Update(line);
      if (out) *out << line;
      ++rows;
      return true;
    });
    if (!s.ok()) return s;
  }
  summary.sha256 = digest.HexDigest();
  return summary;
}

}  // namespace sightline::projector
