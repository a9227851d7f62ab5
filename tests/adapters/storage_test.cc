// The RocksDB adapter's scans: a prefix scan returns every key with the prefix, in order, and
// nothing past it, also when the prefix ends in 0xff bytes (its upper bound is then shorter) or
// is nothing but 0xff bytes (no upper bound at all).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "process.h"
#include "sightline/storage/store.h"

namespace sightline::storage {
namespace {

std::vector<std::string> ScanKeys(const Store& store, std::string_view prefix,
                                  std::string_view start = {}) {
  std::vector<std::string> keys;
  Status s = store.Scan(
      "rows", prefix,
      [&](std::string_view key, std::string_view) {
        keys.emplace_back(key);
        return true;
      },
      start);
  EXPECT_TRUE(s.ok()) << s.message();
  return keys;
}

TEST(StoreScan, APrefixScanStopsAtThePrefixEvenAfterFfBytes) {
  auto opened = Store::Open({.path = testing::TempDir("storage-scan"),
                             .column_families = {"rows"},
                             .sync_writes = false});
  ASSERT_TRUE(opened.ok()) << opened.status().message();
  Store& store = *opened.value();
  const std::vector<std::string> keys = {"a",
                                         "a\x01",
                                         "ab",
                                         std::string("a\xff"),
                                         "a\xff\x01",
                                         "a\xff\xff",
                                         "a\xff\xff\x7f",
                                         "b",
                                         "\xff",
                                         "\xff\xff",
                                         "\xff\xff\x01",
                                         std::string("c\0d", 3),
                                         std::string("c\0e", 3),
                                         "c\x01"};
  WriteBatch batch;
  for (const std::string& k : keys) batch.Put("rows", k, "v");
  ASSERT_TRUE(store.Write(batch).ok());

  EXPECT_EQ(ScanKeys(store, "a"),
            (std::vector<std::string>{"a", "a\x01", "ab", "a\xff", "a\xff\x01", "a\xff\xff",
                                      "a\xff\xff\x7f"}));
  EXPECT_EQ(ScanKeys(store, "a\xff"),
            (std::vector<std::string>{"a\xff", "a\xff\x01", "a\xff\xff", "a\xff\xff\x7f"}));
  EXPECT_EQ(ScanKeys(store, "a\xff\xff"), (std::vector<std::string>{"a\xff\xff", "a\xff\xff\x7f"}));
  EXPECT_EQ(ScanKeys(store, "\xff\xff"), (std::vector<std::string>{"\xff\xff", "\xff\xff\x01"}));
  EXPECT_EQ(ScanKeys(store, std::string("c\0", 2)),
            (std::vector<std::string>{std::string("c\0d", 3), std::string("c\0e", 3)}));
  EXPECT_EQ(ScanKeys(store, "a", "a\xff"),
            (std::vector<std::string>{"a\xff", "a\xff\x01", "a\xff\xff", "a\xff\xff\x7f"}));
  EXPECT_EQ(ScanKeys(store, "").size(), keys.size());
  EXPECT_TRUE(ScanKeys(store, "zz").empty());
}

}  // namespace
}  // namespace sightline::storage
