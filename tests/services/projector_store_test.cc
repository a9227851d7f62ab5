// Where the projector's store lives: `dump` must not invent a store behind a misspelt directory,
// and a store written before the consumer shell (ADR 0007) has its offsets migrated on open, or
// is refused with a message that says to rebuild.
#include <gtest/gtest.h>

#include <filesystem>

#include "process.h"
#include "sightline/consumer/offsets.h"
#include "store_layout.h"

namespace sightline::projector {
namespace {

const Instant kNow{std::chrono::sys_days{std::chrono::November / 20 / 2026}};

ProjectorConfig Config(const std::string& name) {
  ProjectorConfig c;
  c.data_dir = testing::TempDir(name) + "/data";
  c.topic = "sightline.events.v1";
  return c;
}

// A store as the projector wrote it before the shell: decimal offsets under the topic's name.
void WriteLegacyStore(const ProjectorConfig& c, const std::string& topic) {
  auto store = OpenCurrent(c, kNow);
  ASSERT_TRUE(store.ok()) << store.status().message();
  storage::WriteBatch batch;
  batch.Put(cf::kMeta, "offset/" + topic + "/000000", "120");
  batch.Put(cf::kMeta, "offset/" + topic + "/000002", "7");
  batch.Put(cf::kChildren, "child-1", "a record");
  ASSERT_TRUE(store.value()->Write(batch).ok());
}

TEST(ProjectorStore, OpenExistingRefusesAMissingDirectoryAndCreatesNothing) {
  ProjectorConfig c = Config("projector-store-missing");
  auto store = OpenExisting(c);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kNotFound);
  EXPECT_NE(store.status().message().find(c.data_dir + "/current"), std::string::npos)
      << store.status().message();
  EXPECT_FALSE(std::filesystem::exists(c.data_dir));
}

TEST(ProjectorStore, LegacyOffsetsAreMigratedOnOpen) {
  ProjectorConfig c = Config("projector-store-legacy");
  WriteLegacyStore(c, c.topic);
  auto store = OpenExisting(c);
  ASSERT_TRUE(store.ok()) << store.status().message();
  auto offsets = consumer::ReadOffsets(*store.value(), cf::kMeta, c.topic);
  ASSERT_TRUE(offsets.ok()) << offsets.status().message();
  EXPECT_EQ(offsets.value(), (std::map<std::int32_t, std::int64_t>{{0, 120}, {2, 7}}));
  auto old = store.value()->Get(cf::kMeta, "offset/" + c.topic + "/000000");
  ASSERT_TRUE(old.ok());
  EXPECT_FALSE(old.value()) << "the legacy row was left behind";
  auto row = store.value()->Get(cf::kChildren, "child-1");
  ASSERT_TRUE(row.ok() && row.value());
  EXPECT_EQ(*row.value(), "a record");
}

TEST(ProjectorStore, LegacyOffsetsOfAnotherTopicAreRefusedWithRebuildAdvice) {
  ProjectorConfig c = Config("projector-store-other");
  WriteLegacyStore(c, "some.other.topic");
  auto store = OpenExisting(c);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kInternal);
  EXPECT_NE(store.status().message().find("rebuild"), std::string::npos)
      << store.status().message();
}

}  // namespace
}  // namespace sightline::projector
