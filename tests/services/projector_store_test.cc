// Where the projector's store lives: `dump` must not invent a store behind a misspelt directory,
// and a store written before the consumer shell (ADR 0007) has its offsets migrated on open, or
// is refused with a message that says to rebuild. What batches write: the queue length, only the
// index rows that change, the same store from kept folds, whole folds and a replay. The views
// kept over the store are in projector_views_test.cc.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <iterator>
#include <map>
#include <set>

#include "applier.h"
#include "process.h"
#include "records.h"
#include "scratch_store.h"
#include "sightline/consumer/offsets.h"
#include "sightline/simulator/simulate.h"
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

// The queue length the gauges read is kept by every batch, and a rebuild that folds each child
// once at the end (ADR 0015) writes the same projection as batch-by-batch folding.
TEST(ProjectorStore, QueueLengthIsKeptByBatchesAndARebuildFoldsTheSameStore) {
  domain::SimulationParams params;
  params.seed = 15;
  params.days = 20;
  params.contacts_per_day = 40;
  std::vector<events::v1::Envelope> events = domain::Simulate(params);
  std::vector<kafka::Record> records = testing::AsRecords(events);
  Instant now = Instant(params.start_day + std::chrono::days(params.days + 1));
  domain::Calendar calendar;
  domain::ProjectionPolicy policy;
  auto open = OpenScratchStore;
  auto count_queue = [](const storage::Store& store) {
    std::int64_t n = 0;
    EXPECT_TRUE(store
                    .Scan(cf::kQueue, "",
                          [&](std::string_view, std::string_view) {
                            ++n;
                            return true;
                          })
                    .ok());
    return n;
  };
  // Live: batches of 300, each folding its children; decisions take children off the queue.
  auto live = open("projector-queue-live");
  Applier applier(*live, calendar, policy);
  for (std::size_t i = 0; i < records.size(); i += 300) {
    auto plan = applier.Prepare(
        std::span(records).subspan(i, std::min<std::size_t>(300, records.size() - i)), now);
    ASSERT_TRUE(plan.ok()) << plan.status().ToString();
    ASSERT_TRUE(live->Write(plan.value().writes).ok());
    auto kept = ReadQueueLength(*live);
    ASSERT_TRUE(kept.ok());
    ASSERT_EQ(kept.value(), count_queue(*live)) << "after the batch at " << i;
  }
  EXPECT_GT(count_queue(*live), 0);
  // Rebuild: events only, then one fold per child.
  auto rebuilt = open("projector-queue-rebuilt");
  Applier events_only(*rebuilt, calendar, policy, Applier::Mode::kEventsOnly);
  for (std::size_t i = 0; i < records.size(); i += 2000) {
    auto plan = events_only.Prepare(
        std::span(records).subspan(i, std::min<std::size_t>(2000, records.size() - i)), now);
    ASSERT_TRUE(plan.ok()) << plan.status().ToString();
    EXPECT_TRUE(plan.value().changed_children.empty());
    ASSERT_TRUE(rebuilt->Write(plan.value().writes).ok());
  }
  EXPECT_EQ(count_queue(*rebuilt), 0) << "nothing is folded before FoldAll";
  auto children = Applier::FoldAll(*rebuilt, calendar, policy, 100);
  ASSERT_TRUE(children.ok()) << children.status().ToString();
  EXPECT_GT(children.value(), 100u);
  auto kept = ReadQueueLength(*rebuilt);
  ASSERT_TRUE(kept.ok());
  EXPECT_EQ(kept.value(), count_queue(*rebuilt));
  auto a = Dump(*live, nullptr);
  auto b = Dump(*rebuilt, nullptr);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a.value().sha256, b.value().sha256);
}

// A live batch writes a child's index rows only where they change: a row the child keeps is
// neither deleted nor put again (each was a memtable insert, most of the live applier's writes).
// Over a simulated month, with names given to unborn children, children joining households and
// siblings appearing, each batch's household, name and sibling-link operations are exactly the
// rows that appear or go between the store before the batch and after it.
TEST(ProjectorStore, ALiveBatchWritesOnlyTheIndexRowsThatChange) {
  domain::SimulationParams params;
  params.seed = 21;
  params.days = 30;
  params.contacts_per_day = 40;
  std::vector<kafka::Record> records = testing::AsRecords(domain::Simulate(params));
  Instant now = Instant(params.start_day + std::chrono::days(params.days + 1));
  domain::Calendar calendar;
  domain::ProjectionPolicy policy;
  auto live = OpenScratchStore("projector-row-changes");
  Applier applier(*live, calendar, policy);
  auto rows = [&](const char* cf) {
    std::set<std::string> keys;
    EXPECT_TRUE(live->Scan(cf, "",
                           [&](std::string_view key, std::string_view) {
                             keys.emplace(key);
                             return true;
                           })
                    .ok());
    return keys;
  };
  const std::vector<const char*> index_cfs{cf::kHouseholds, cf::kNames, cf::kLinks};
  std::map<std::string, std::size_t> changed;  // Rows that appeared or went, by column family.
  std::size_t owned_puts = 0, changed_children = 0;
  for (std::size_t i = 0; i < records.size(); i += 150) {
    std::map<std::string, std::set<std::string>> before;
    for (const char* c : index_cfs) before[c] = rows(c);
    auto plan = applier.Prepare(
        std::span(records).subspan(i, std::min<std::size_t>(150, records.size() - i)), now);
    ASSERT_TRUE(plan.ok()) << plan.status().ToString();
    ASSERT_TRUE(live->Write(plan.value().writes).ok());
    for (const char* c : index_cfs) {
      std::set<std::string> after = rows(c);
      std::vector<std::string> differ;
      std::set_symmetric_difference(before[c].begin(), before[c].end(), after.begin(), after.end(),
                                    std::back_inserter(differ));
      ASSERT_EQ(plan.value().writes.Count(c), differ.size()) << c << ", batch at " << i;
      changed[c] += differ.size();
    }
    owned_puts += plan.value().writes.Count(cf::kOwned);
    changed_children += plan.value().changed_children.size();
  }
  // The month changed rows of every kind; a child whose rows stayed as they were (its queue row
  // too) did not have its list of owned rows written again.
  for (const char* c : index_cfs) EXPECT_GT(changed[c], 0u) << c;
  EXPECT_GT(owned_puts, 0u);
  EXPECT_LT(owned_puts, changed_children);
}

// The live applier with kept folds (ADR 0023) writes the store that folding every changed child
// whole writes: with a cache small enough that children are dropped and folded whole again,
// with events re-sent, and with batches that fail to commit (their plans thrown away, their
// records consumed again, as the shell does after a failed write).
TEST(ProjectorStore, KeptFoldsWriteTheStoreThatWholeFoldsWrite) {
  domain::SimulationParams params;
  params.seed = 17;
  params.days = 25;
  params.contacts_per_day = 40;
  std::vector<events::v1::Envelope> events = domain::Simulate(params);
  std::vector<kafka::Record> records = testing::AsRecords(events);
  for (std::size_t i = 0; i < records.size(); i += 97) records.push_back(records[i]);  // Re-sent.
  Instant now = Instant(params.start_day + std::chrono::days(params.days + 1));
  domain::Calendar calendar;
  domain::ProjectionPolicy policy;
  auto open = OpenScratchStore;
  auto apply = [&](storage::Store& store, Applier& applier, bool fail_some) -> std::pair<int, int> {
    int appended = 0, whole = 0, batches = 0;
    for (std::size_t i = 0; i < records.size(); i += 200) {
      auto batch = std::span(records).subspan(i, std::min<std::size_t>(200, records.size() - i));
      if (fail_some && ++batches % 7 == 0) {  // Prepared, then the write "fails".
        auto lost = applier.Prepare(batch, now);
        EXPECT_TRUE(lost.ok()) << lost.status().ToString();
      }
      auto plan = applier.Prepare(batch, now);
      if (!plan.ok() || !store.Write(plan.value().writes).ok()) {
        ADD_FAILURE() << "batch at " << i;
        return {};
      }
      applier.Committed(plan.value());
      appended += plan.value().folds_appended;
      whole += plan.value().folds_whole;
    }
    std::cerr << appended << " children folded by their kept fold, " << whole << " whole\n";
    return std::pair(appended, whole);
  };
  auto whole_store = open("projector-folds-whole");
  Applier whole_applier(*whole_store, calendar, policy);
  EXPECT_EQ(apply(*whole_store, whole_applier, false).first, 0);
  auto want = Dump(*whole_store, nullptr);
  ASSERT_TRUE(want.ok());
  // Roomy: every child's fold is kept. Small: children are dropped and folded whole again.
  // Batches of 200 counted full (a projector behind): no folds are built.
  for (auto [children, full_batch] :
       {std::pair<std::size_t, std::size_t>{100000, 1000}, {150, 1000}, {100000, 200}}) {
    auto kept_store =
        open("projector-folds-kept-" + std::to_string(children) + "-" + std::to_string(full_batch));
    Applier kept_applier(*kept_store, calendar, policy);
    kept_applier.KeepFolds(children, full_batch);
    auto [appended, whole] = apply(*kept_store, kept_applier, true);
    if (full_batch <= 200)
      EXPECT_EQ(appended, 0);
    else
      EXPECT_GT(appended, children > 150 ? whole : 0) << children;
    EXPECT_GT(whole, 0);
    EXPECT_LE(kept_applier.kept_folds(), children);
    auto got = Dump(*kept_store, nullptr);
    ASSERT_TRUE(got.ok());
    EXPECT_EQ(got.value().sha256, want.value().sha256) << children << " " << full_batch;
  }
}

// A replay into a fresh store remembers the ids it applied in a Bloom filter and looks up only
// those it may have seen. Re-sent events and ids reused by another child, many batches after the
// original, must come out as on the live path: the filter saturated (every id a "perhaps") and
// roomy (nearly every id certainly new) give the same store and the same dead letters.
TEST(ProjectorStore, AReplayFindsDuplicatesAndReusedIdsFromEarlierBatches) {
  domain::SimulationParams params;
  params.seed = 16;
  params.days = 15;
  params.contacts_per_day = 40;
  std::vector<events::v1::Envelope> events = domain::Simulate(params);
  const std::size_t original = events.size();
  ASSERT_GT(original, 2000u);
  for (std::size_t i = 0; i < 60; ++i) events.push_back(events[i * 7]);  // Re-sent.
  for (std::size_t i = 0; i < 25; ++i) {  // The same id under another child.
    events::v1::Envelope reused = events[i * 11 + 3];
    reused.set_child_id(events[original - 1 - i].child_id());
    if (reused.child_id() != events[i * 11 + 3].child_id()) events.push_back(reused);
  }
  std::vector<kafka::Record> records = testing::AsRecords(events);
  Instant now = Instant(params.start_day + std::chrono::days(params.days + 1));
  domain::Calendar calendar;
  domain::ProjectionPolicy policy;
  ProjectorConfig config = Config("projector-replay-dedupe");

  struct Outcome {
    std::string sha256;
    std::map<std::string, int> dead;  // reason -> count
    int duplicates = 0;
  };
  auto run = [&](const std::string& name, bool replay, std::size_t filter_bits) {
    Outcome out;
    auto opened =
        storage::Store::Open(replay ? ReplayStoreOptionsFor(config, testing::TempDir(name))
                                    : StoreOptionsFor(config, testing::TempDir(name)));
    EXPECT_TRUE(opened.ok());
    storage::Store& store = *opened.value();
    Applier applier(store, calendar, policy,
                    replay ? Applier::Mode::kEventsOnly : Applier::Mode::kFold, filter_bits);
    const std::size_t batch = replay ? 700 : 300;
    for (std::size_t i = 0; i < records.size(); i += batch) {
      auto plan =
          applier.Prepare(std::span(records).subspan(i, std::min(batch, records.size() - i)), now);
      EXPECT_TRUE(plan.ok()) << plan.status().ToString();
      if (!plan.ok()) return out;
      for (const consumer::DeadLetter& d : plan.value().dead) ++out.dead[d.reason];
      for (const auto& [key, n] : plan.value().counts)
        if (std::get<2>(key) == "duplicate") out.duplicates += n;
      EXPECT_TRUE(store.Write(plan.value().writes).ok());
    }
    if (replay) {
      EXPECT_TRUE(Applier::FoldAll(store, calendar, policy, 100).ok());
    }
    auto dump = Dump(store, nullptr);
    EXPECT_TRUE(dump.ok());
    out.sha256 = dump.value().sha256;
    return out;
  };
  Outcome live = run("projector-replay-dedupe-live", false, 0);
  EXPECT_EQ(live.duplicates, 60);
  EXPECT_GT(live.dead["event_id_reused"], 20);
  for (std::size_t bits : {std::size_t{512}, std::size_t{1} << 22}) {
    Outcome replayed = run("projector-replay-dedupe-" + std::to_string(bits), true, bits);
    EXPECT_EQ(replayed.sha256, live.sha256) << bits << " bits";
    EXPECT_EQ(replayed.dead, live.dead) << bits << " bits";
    EXPECT_EQ(replayed.duplicates, live.duplicates) << bits << " bits";
  }
}

}  // namespace
}  // namespace sightline::projector
