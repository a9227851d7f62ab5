// The RocksDB adapter's scans: a prefix scan returns every key with the prefix, in order, and
// nothing past it, also when the prefix ends in 0xff bytes (its upper bound is then shorter) or
// is nothing but 0xff bytes (no upper bound at all). A column family kept for point lookups (a
// memtable Bloom filter of whole keys) answers present and absent keys alike, from the memtable
// and, after a flush, from its files, also for keys that share a long prefix. Reads that may
// not wait (a NoWaitScope) come from memory or are refused.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "process.h"
#include "sightline/core/no_wait.h"
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

TEST(StoreLookup, ALookupColumnFamilyFindsEveryKeyItHoldsAndNoneItDoesNot) {
  auto opened = Store::Open({.path = testing::TempDir("storage-lookup"),
                             .column_families = {"ids", "rows"},
                             .sync_writes = false,
                             .lookup_column_families = {"ids"}});
  ASSERT_TRUE(opened.ok()) << opened.status().message();
  Store& store = *opened.value();
  WriteBatch batch;
  std::vector<std::string> present;
  for (int i = 0; i < 2000; i += 2) present.push_back("event-00000000-" + std::to_string(i));
  for (const std::string& k : present) batch.Put("ids", k, "seen:" + k);
  ASSERT_TRUE(store.Write(batch).ok());

  auto check = [&](const char* when) {
    SCOPED_TRACE(when);
    std::vector<std::string> asked;
    for (int i = 0; i < 2000; ++i) asked.push_back("event-00000000-" + std::to_string(i));
    std::vector<std::string_view> views(asked.begin(), asked.end());
    auto got = store.MultiGet("ids", views);
    ASSERT_TRUE(got.ok()) << got.status().message();
    for (int i = 0; i < 2000; ++i) {
      auto one = store.Get("ids", asked[i]);
      ASSERT_TRUE(one.ok());
      if (i % 2 == 0) {
        ASSERT_TRUE(got.value()[i].has_value()) << asked[i];
        EXPECT_EQ(*got.value()[i], "seen:" + asked[i]);
        EXPECT_EQ(one.value(), got.value()[i]);
      } else {
        EXPECT_FALSE(got.value()[i].has_value()) << asked[i];
        EXPECT_FALSE(one.value().has_value()) << asked[i];
      }
    }
    // The other column family, without the filter, does not see the lookup family's rows.
    auto other = store.Get("rows", present.front());
    ASSERT_TRUE(other.ok());
    EXPECT_FALSE(other.value().has_value());
  };
  check("from the memtable");
  ASSERT_TRUE(store.Flush().ok());
  check("from the flushed files");
}

// Within a NoWaitScope a read is served from the memtables and the block cache only. A row that
// is only in a table file on disk is refused at once (and the scope marked), never read
// half; once a read allowed to wait has brought it into the cache, it is served in the scope too.
// A write in the scope is refused. Outside any scope nothing changes.
TEST(StoreNoWait, ReadsInTheScopeComeFromMemoryOrAreRefused) {
  std::string path = testing::TempDir("storage-no-wait");
  {
    auto opened = Store::Open({.path = path, .column_families = {"rows"}, .sync_writes = false});
    ASSERT_TRUE(opened.ok()) << opened.status().message();
    WriteBatch batch;
    for (int i = 0; i < 1000; ++i) batch.Put("rows", "on-disk-" + std::to_string(i), "v");
    ASSERT_TRUE(opened.value()->Write(batch).ok());
    ASSERT_TRUE(opened.value()->Flush().ok());
  }
  // Reopened: the rows are in a table file, nothing of it in the (new) block cache.
  auto opened = Store::Open({.path = path, .column_families = {"rows"}, .sync_writes = false});
  ASSERT_TRUE(opened.ok()) << opened.status().message();
  Store& store = *opened.value();
  WriteBatch fresh;
  fresh.Put("rows", "in-memory", "m");
  ASSERT_TRUE(store.Write(fresh).ok());
  {
    NoWaitScope scope;
    auto got = store.Get("rows", "in-memory");
    ASSERT_TRUE(got.ok()) << got.status().message();
    EXPECT_EQ(got.value(), std::optional<std::string>("m"));
    EXPECT_FALSE(scope.refused()) << "a memtable row needs no disk";
  }
  {
    NoWaitScope scope;
    auto got = store.Get("rows", "on-disk-7");
    EXPECT_FALSE(got.ok());
    EXPECT_EQ(got.status().code(), StatusCode::kUnavailable);
    EXPECT_NE(got.status().message().find("not in memory"), std::string::npos)
        << got.status().message();
    EXPECT_TRUE(scope.refused());
  }
  {
    NoWaitScope scope;
    int seen = 0;
    Status s = store.Scan("rows", "on-disk-", [&](std::string_view, std::string_view) {
      ++seen;
      return true;
    });
    EXPECT_FALSE(s.ok()) << seen << " rows";
    EXPECT_TRUE(scope.refused());
  }
  // Read where waiting is allowed: the file's blocks are now cached, and the scope is served.
  auto warm = store.Get("rows", "on-disk-7");
  ASSERT_TRUE(warm.ok());
  EXPECT_EQ(warm.value(), std::optional<std::string>("v"));
  {
    NoWaitScope scope;
    auto got = store.Get("rows", "on-disk-8");
    ASSERT_TRUE(got.ok()) << got.status().message();
    EXPECT_EQ(got.value(), std::optional<std::string>("v"));
    auto absent = store.Get("rows", "on-disk-x");
    ASSERT_TRUE(absent.ok()) << absent.status().message();
    EXPECT_FALSE(absent.value().has_value());
    EXPECT_FALSE(scope.refused());
    WriteBatch more;
    more.Put("rows", "later", "l");
    Status w = store.Write(more);
    EXPECT_EQ(w.code(), StatusCode::kUnavailable);
    EXPECT_TRUE(scope.refused()) << "a write may wait for the disk";
  }
  auto later = store.Get("rows", "later");
  ASSERT_TRUE(later.ok());
  EXPECT_FALSE(later.value().has_value()) << "the refused write wrote nothing";
}

}  // namespace
}  // namespace sightline::storage
