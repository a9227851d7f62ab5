// Where the projector's store lives: `dump` must not invent a store behind a misspelt directory,
// and a store written before the consumer shell (ADR 0007) has its offsets migrated on open, or
// is refused with a message that says to rebuild. The queue view (ADR 0019) kept batch by batch
// equals the queue read afresh from the store.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <iterator>
#include <map>
#include <set>
#include <tuple>

#include "api_json.h"
#include "applier.h"
#include "json_out.h"
#include "process.h"
#include "queue_view.h"
#include "record_json.h"
#include "records.h"
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

// An empty projector store in a temporary directory, written without fsync.
std::unique_ptr<storage::Store> OpenScratchStore(const std::string& name) {
  auto store = storage::Store::Open(
      {.path = testing::TempDir(name), .column_families = ColumnFamilies(), .sync_writes = false});
  EXPECT_TRUE(store.ok());
  return std::move(store).value();
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

std::shared_ptr<storage::Store> OpenScratch(const std::string& name) {
  auto store = storage::Store::Open(
      {.path = testing::TempDir(name), .column_families = ColumnFamilies(), .sync_writes = false});
  EXPECT_TRUE(store.ok());
  return std::move(store).value();
}

// (key, row) of every row of a snapshot, to compare two.
std::vector<std::pair<std::string, std::string>> Rows(const QueueSnapshot& snapshot) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& row : snapshot) out.emplace_back(row->key, row->summary);
  return out;
}

// A simulated county's events as records, and the day after its last simulated day.
struct County {
  std::vector<kafka::Record> records;
  Instant after;
};
County SimulatedCounty(std::uint64_t seed, int days, int contacts_per_day) {
  domain::SimulationParams params;
  params.seed = seed;
  params.days = days;
  params.contacts_per_day = contacts_per_day;
  return {testing::AsRecords(domain::Simulate(params)),
          Instant(params.start_day + std::chrono::days(params.days + 1))};
}

std::string SummaryRow(const std::string& child, events::v1::RagRating rag) {
  projections::v1::ChildSummary s;
  s.set_child_id(child);
  s.set_rag(rag);
  s.set_queue_team_id("mash");
  return s.SerializeAsString();
}

// The live projector's batches, merged into the view one by one, give the queue a fresh load
// from the store reads, batch after batch, in key order, while decisions take children off it.
TEST(QueueView, MergedBatchesEqualTheQueueReadAfresh) {
  County county = SimulatedCounty(19, 12, 40);
  const std::vector<kafka::Record>& records = county.records;
  const Instant now = county.after;
  domain::Calendar calendar;
  domain::ProjectionPolicy policy;
  std::shared_ptr<storage::Store> store = OpenScratch("queue-view-live");
  Applier applier(*store, calendar, policy);
  QueueView view(store);
  std::size_t removed = 0, largest = 0;
  for (std::size_t i = 0; i < records.size(); i += 250) {
    auto plan = applier.Prepare(
        std::span(records).subspan(i, std::min<std::size_t>(250, records.size() - i)), now);
    ASSERT_TRUE(plan.ok()) << plan.status().ToString();
    ASSERT_TRUE(store->Write(plan.value().writes).ok());
    for (const QueueChange& c : plan.value().queue_changes) removed += c.summary ? 0 : 1;
    view.Apply(plan.value().queue_changes);
    auto merged = view.Snapshot();
    auto fresh = QueueView(store).Snapshot();
    ASSERT_TRUE(merged.ok() && fresh.ok());
    ASSERT_EQ(Rows(*merged.value()), Rows(*fresh.value())) << "after the batch at " << i;
    largest = std::max(largest, fresh.value()->size());
  }
  EXPECT_GT(largest, 20u);
  EXPECT_GT(removed, 50u) << "the stream should take children off the queue too";
  // One load, then one merge per batch that changed the queue: never a reload.
  EXPECT_LE(view.published(), 1 + (records.size() + 249) / 250);
}

// Within a batch the last change of a key wins; a change before the first load is the store's
// business; a row that does not parse drops the snapshot and the next read reports it.
TEST(QueueView, LastChangeWinsAndABadRowIsReportedNotServed) {
  std::shared_ptr<storage::Store> store = OpenScratch("queue-view-unit");
  storage::WriteBatch seed;
  seed.Put(cf::kQueue, "1/a", SummaryRow("a", events::v1::RAG_RATING_RED));
  seed.Put(cf::kQueue, "3/c", SummaryRow("c", events::v1::RAG_RATING_GREEN));
  ASSERT_TRUE(store->Write(seed).ok());
  QueueView view(store);
  view.Apply(std::vector<QueueChange>{{"2/b", SummaryRow("b", events::v1::RAG_RATING_AMBER)}});
  auto loaded = view.Snapshot();
  ASSERT_TRUE(loaded.ok());
  ASSERT_EQ(loaded.value()->size(), 2u) << "a change before the load is not applied on its own";

  view.Apply(std::vector<QueueChange>{
      {"3/c", std::nullopt},
      {"0/z", SummaryRow("z", events::v1::RAG_RATING_RED)},
      {"0/z", std::nullopt},  // Added, then removed: gone.
      {"1/a", std::nullopt},
      {"1/a", SummaryRow("a", events::v1::RAG_RATING_AMBER)},  // Removed, then added: present.
      {"4/d", SummaryRow("d", events::v1::RAG_RATING_BLUE)}});
  auto merged = view.Snapshot();
  ASSERT_TRUE(merged.ok());
  ASSERT_EQ(merged.value()->size(), 2u);
  EXPECT_EQ((*merged.value())[0]->key, "1/a");
  EXPECT_EQ((*merged.value())[0]->head.rag(), events::v1::RAG_RATING_AMBER);
  EXPECT_EQ((*merged.value())[1]->key, "4/d");
  EXPECT_EQ((*merged.value())[1]->head.child_id(), "d");
  EXPECT_EQ(loaded.value()->size(), 2u) << "a snapshot taken earlier does not change";
  EXPECT_EQ((*loaded.value())[1]->key, "3/c");

  storage::WriteBatch bad;
  bad.Put(cf::kQueue, "5/e", "\xff\xff\xff");
  ASSERT_TRUE(store->Write(bad).ok());
  view.Apply(std::vector<QueueChange>{{"5/e", "\xff\xff\xff"}});
  auto reread = view.Snapshot();
  ASSERT_FALSE(reread.ok());
  EXPECT_EQ(reread.status().code(), StatusCode::kInternal);
  EXPECT_NE(reread.status().message().find("queue row"), std::string::npos);
}

// A page's item from the row's kept members and its head's waiting figures is exactly the item
// written from the whole summary, for a reader who may open the record and one who may not; the
// members are written once and shared by every later page until a batch replaces the row.
TEST(QueueView, KeptItemsEqualItemsWrittenFromTheWholeSummary) {
  County county = SimulatedCounty(23, 8, 40);
  const std::vector<kafka::Record>& records = county.records;
  const Instant now = county.after;
  domain::Calendar calendar;
  domain::ProjectionPolicy policy;
  std::shared_ptr<storage::Store> store = OpenScratch("queue-view-items");
  Applier applier(*store, calendar, policy);
  QueueView view(store);
  std::map<std::string, const std::string*> kept;  // Key and row: the members a page used.
  std::size_t items = 0, shared = 0, overdue = 0, hidden = 0;
  for (std::size_t i = 0; i < records.size(); i += 150) {
    auto plan = applier.Prepare(
        std::span(records).subspan(i, std::min<std::size_t>(150, records.size() - i)), now);
    ASSERT_TRUE(plan.ok()) << plan.status().ToString();
    ASSERT_TRUE(store->Write(plan.value().writes).ok());
    view.Apply(plan.value().queue_changes);
    auto snapshot = view.Snapshot();
    ASSERT_TRUE(snapshot.ok());
    std::set<std::string> changed;
    for (const QueueChange& c : plan.value().queue_changes) changed.insert(c.key);
    for (const auto& row : *snapshot.value()) {
      projections::v1::ChildSummary whole;
      ASSERT_TRUE(whole.ParseFromString(row->summary));
      for (bool full : {true, false}) {
        std::string want, got;
        JsonOut a(want);
        api_json::QueueItem(a, whole, calendar, now, full);
        const std::string* members = row->ItemMembers(full);
        ASSERT_NE(members, nullptr) << row->key;
        JsonOut b(got);
        b.BeginObject();
        api_json::WaitingFields(b, row->head, calendar, now);
        b.Members(*members);
        b.EndObject();
        ASSERT_EQ(got, want) << row->key << (full ? " (full)" : " (hidden)");
        EXPECT_EQ(row->ItemMembers(full), members) << "written once";
        ++items;
        hidden += !full;
        overdue += got.find("\"overdue\":true") != std::string::npos;
      }
      auto [at, fresh] = kept.emplace(row->key, row->ItemMembers(true));
      if (!fresh && !changed.contains(row->key)) {
        EXPECT_EQ(at->second, row->ItemMembers(true)) << row->key << " kept across batches";
        ++shared;
      }
      at->second = row->ItemMembers(true);
    }
  }
  EXPECT_GT(items, 200u);
  EXPECT_GT(shared, 50u) << "rows no batch touched keep what earlier pages wrote";
  EXPECT_GT(overdue, 0u);
  EXPECT_GT(hidden, 0u);

  // A row whose filtered fields read well but whose whole does not (a contact that does not
  // parse) has no item: the page is refused (500), nothing half-written is shown.
  std::string bad =
      SummaryRow("e", events::v1::RAG_RATING_RED) + std::string("\x72\x03\xff\xff\xff");
  std::shared_ptr<storage::Store> other = OpenScratch("queue-view-bad-item");
  storage::WriteBatch seed;
  seed.Put(cf::kQueue, "1/e", bad);
  ASSERT_TRUE(other->Write(seed).ok());
  auto loaded = QueueView(other).Snapshot();
  ASSERT_TRUE(loaded.ok()) << "the head reads";
  ASSERT_EQ(loaded.value()->size(), 1u);
  EXPECT_EQ((*loaded.value())[0]->ItemMembers(true), nullptr);
  EXPECT_EQ((*loaded.value())[0]->ItemMembers(false), nullptr);
}

// A kept record's JSON is exactly what writing the stored record gives, for every child of a
// simulated county; it is reused only for the very bytes it was written from, so a record that
// changed is written afresh; a record that does not parse is not kept; and at most the capacity
// is kept.
TEST(RecordJsonCache, KeptJsonIsTheStoredRecordsAndOnlyForTheSameBytes) {
  County county = SimulatedCounty(29, 10, 30);
  const std::vector<kafka::Record>& records = county.records;
  const Instant now = county.after;
  domain::Calendar calendar;
  domain::ProjectionPolicy policy;
  std::shared_ptr<storage::Store> store = OpenScratch("record-json");
  Applier applier(*store, calendar, policy);
  auto plan = applier.Prepare(records, now);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  ASSERT_TRUE(store->Write(plan.value().writes).ok());
  std::map<std::string, std::string> stored;
  ASSERT_TRUE(store
                  ->Scan(cf::kChildren, "",
                         [&](std::string_view key, std::string_view value) {
                           stored.emplace(key, value);
                           return true;
                         })
                  .ok());
  ASSERT_GT(stored.size(), 100u);

  RecordJsonCache cache(2 * stored.size());  // Room for every child in each of its shards.
  std::size_t clocks = 0;
  for (const auto& [child, bytes] : stored) {
    projections::v1::ChildRecord record;
    ASSERT_TRUE(record.ParseFromString(bytes));
    std::string want;
    JsonOut(want).Proto(record);
    auto kept = cache.Get(child, bytes);
    ASSERT_NE(kept, nullptr) << child;
    EXPECT_EQ(kept->record, want) << child;
    ASSERT_EQ(kept->clocks.size(), static_cast<std::size_t>(record.clocks_size()));
    for (int i = 0; i < record.clocks_size(); ++i) {
      std::string clock = MembersOf([&](JsonOut& w) { EXPECT_TRUE(w.Fields(record.clocks(i))); });
      EXPECT_EQ(kept->clocks[i].members, clock);
      EXPECT_EQ(kept->clocks[i].overdue_from, ToInstant(record.clocks(i).overdue_from()));
      ++clocks;
    }
    EXPECT_EQ(cache.Get(child, bytes), kept) << "the same bytes: the kept entry";
  }
  EXPECT_GT(clocks, 50u);
  EXPECT_EQ(cache.written(), stored.size());

  // The record changes (a new name): written afresh, and the new bytes are kept from then on.
  const auto& [child, bytes] = *stored.begin();
  auto before = cache.Get(child, bytes);
  projections::v1::ChildRecord changed;
  ASSERT_TRUE(changed.ParseFromString(bytes));
  changed.set_name("Renamed Child");
  std::string changed_bytes = changed.SerializeAsString();
  auto after = cache.Get(child, changed_bytes);
  ASSERT_NE(after, nullptr);
  EXPECT_NE(after, before);
  EXPECT_NE(after->record.find("Renamed Child"), std::string::npos);
  EXPECT_EQ(before->record.find("Renamed Child"), std::string::npos);
  EXPECT_EQ(cache.Get(child, changed_bytes), after);

  // Bytes that do not parse are refused and not kept.
  EXPECT_EQ(cache.Get("broken", "\xff\xff\xff"), nullptr);
  EXPECT_EQ(cache.size(), stored.size());

  // A small cache keeps at most its capacity (rounded up to its 16 shards), and still answers.
  RecordJsonCache small(32);
  for (const auto& [c, b] : stored) ASSERT_NE(small.Get(c, b), nullptr);
  EXPECT_LE(small.size(), 32u);
  EXPECT_GT(small.size(), 0u);
  RecordJsonCache none(0);
  EXPECT_NE(none.Get(child, bytes), nullptr);
  EXPECT_EQ(none.size(), 0u);
}

}  // namespace
}  // namespace sightline::projector
