#include "store_layout.h"

#include <chrono>
#include <cstdio>
#include <filesystem>

#include "sightline/crypto/digest.h"

namespace sightline::projector {

namespace fs = std::filesystem;

const std::vector<std::string>& ColumnFamilies() {
  static const std::vector<std::string> kAll = {
      cf::kEvents, cf::kEventIds,   cf::kChildren, cf::kSummaries, cf::kOwned,
      cf::kQueue,  cf::kHouseholds, cf::kNames,    cf::kLinks,     cf::kMeta};
  return kAll;
}

std::string OffsetKey(const std::string& topic, std::int32_t partition) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%06d", partition);
  return "offset/" + topic + "/" + buf;
}

storage::StoreOptions StoreOptionsFor(const ProjectorConfig& c, const std::string& path) {
  return {.path = path,
          .column_families = ColumnFamilies(),
          .block_cache_bytes = c.block_cache_bytes,
          .write_buffer_bytes = c.write_buffer_bytes,
          .sync_writes = c.sync_writes};
}

StatusOr<std::string> NewStorePath(const ProjectorConfig& c) {
  auto stamp = std::chrono::system_clock::now().time_since_epoch() / std::chrono::microseconds(1);
  fs::path path = fs::path(c.data_dir) / "stores" / ("store-" + std::to_string(stamp));
  std::error_code ec;
  fs::create_directories(path, ec);
  if (ec) return Unavailable("cannot create " + path.string() + ": " + ec.message());
  return path.string();
}

Status SwapCurrent(const ProjectorConfig& c, const std::string& path) {
  fs::path link = fs::path(c.data_dir) / "current";
  fs::path tmp = fs::path(c.data_dir) / "current.tmp";
  std::error_code ec;
  fs::path old = fs::is_symlink(link, ec) ? fs::read_symlink(link, ec) : fs::path();
  fs::remove(tmp, ec);
  fs::create_directory_symlink(fs::relative(path, c.data_dir), tmp, ec);
  if (ec) return Unavailable("cannot link " + tmp.string() + ": " + ec.message());
  fs::rename(tmp, link, ec);  // rename(2) replaces the old link atomically.
  if (ec) return Unavailable("cannot swap " + link.string() + ": " + ec.message());
  if (!old.empty() &&
      fs::weakly_canonical(fs::path(c.data_dir) / old) != fs::weakly_canonical(path)) {
    fs::remove_all(fs::path(c.data_dir) / old, ec);  // Best effort: space only.
  }
  return Status::Ok();
}

StatusOr<std::unique_ptr<storage::Store>> OpenCurrent(const ProjectorConfig& c) {
  fs::path link = fs::path(c.data_dir) / "current";
  std::error_code ec;
  if (!fs::exists(link, ec)) {
    auto path = NewStorePath(c);
    if (!path.ok()) return path.status();
    if (Status s = SwapCurrent(c, path.value()); !s.ok()) return s;
  }
  return storage::Store::Open(StoreOptionsFor(c, link.string()));
}

StatusOr<std::map<std::int32_t, std::int64_t>> StoredOffsets(const storage::Store& store,
                                                             const std::string& topic) {
  std::map<std::int32_t, std::int64_t> out;
  std::string prefix = "offset/" + topic + "/";
  bool bad = false;
  Status s = store.Scan(cf::kMeta, prefix, [&](std::string_view key, std::string_view value) {
    try {
      out[std::stoi(std::string(key.substr(prefix.size())))] = std::stoll(std::string(value));
    } catch (const std::exception&) {
      bad = true;
    }
    return !bad;
  });
  if (!s.ok()) return s;
  if (bad) return Internal("corrupt offset row under " + prefix + " in " + store.path());
  return out;
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
