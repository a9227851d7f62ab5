// The views the projector keeps over its store: the queue view (ADR 0019), merged batch by
// batch, equals the queue read afresh from the store, and its kept items equal items written
// from the whole summary; a child's record kept as JSON (ADR 0026) is what writing the stored
// record gives, and only for the very bytes it was written from.
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <set>

#include "api_json.h"
#include "applier.h"
#include "json_out.h"
#include "queue_view.h"
#include "record_json.h"
#include "records.h"
#include "scratch_store.h"
#include "sightline/simulator/simulate.h"
#include "store_layout.h"

namespace sightline::projector {
namespace {

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

// Applies a county's records to `store` in batches of `size`, as the live projector does: each
// batch prepared, written, and its queue changes merged into `view`; then `after_batch(i, plan)`,
// where `i` is the batch's first record. Call it inside ASSERT_NO_FATAL_FAILURE.
void ApplyInBatches(storage::Store& store, QueueView& view, const County& county, std::size_t size,
                    const std::function<void(std::size_t, const BatchPlan&)>& after_batch) {
  domain::Calendar calendar;
  domain::ProjectionPolicy policy;
  Applier applier(store, calendar, policy);
  const std::vector<kafka::Record>& records = county.records;
  for (std::size_t i = 0; i < records.size(); i += size) {
    auto plan = applier.Prepare(
        std::span(records).subspan(i, std::min<std::size_t>(size, records.size() - i)),
        county.after);
    ASSERT_TRUE(plan.ok()) << plan.status().ToString();
    ASSERT_TRUE(store.Write(plan.value().writes).ok());
    view.Apply(plan.value().queue_changes);
    after_batch(i, plan.value());
    if (::testing::Test::HasFatalFailure()) return;  // A failed assertion ends the run, as inline.
  }
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
  std::shared_ptr<storage::Store> store = OpenScratchStore("queue-view-live");
  QueueView view(store);
  std::size_t removed = 0, largest = 0;
  ASSERT_NO_FATAL_FAILURE(
      ApplyInBatches(*store, view, county, 250, [&](std::size_t i, const BatchPlan& plan) {
        for (const QueueChange& c : plan.queue_changes) removed += c.summary ? 0 : 1;
        auto merged = view.Snapshot();
        auto fresh = QueueView(store).Snapshot();
        ASSERT_TRUE(merged.ok() && fresh.ok());
        ASSERT_EQ(Rows(*merged.value()), Rows(*fresh.value())) << "after the batch at " << i;
        largest = std::max(largest, fresh.value()->size());
      }));
  EXPECT_GT(largest, 20u);
  EXPECT_GT(removed, 50u) << "the stream should take children off the queue too";
  // One load, then one merge per batch that changed the queue: never a reload.
  EXPECT_LE(view.published(), 1 + (county.records.size() + 249) / 250);
}

// Within a batch the last change of a key wins; a change before the first load is the store's
// business; a row that does not parse drops the snapshot and the next read reports it.
TEST(QueueView, LastChangeWinsAndABadRowIsReportedNotServed) {
  std::shared_ptr<storage::Store> store = OpenScratchStore("queue-view-unit");
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
  const Instant now = county.after;
  domain::Calendar calendar;
  std::shared_ptr<storage::Store> store = OpenScratchStore("queue-view-items");
  QueueView view(store);
  std::map<std::string, const std::string*> kept;  // Key and row: the members a page used.
  std::size_t items = 0, shared = 0, overdue = 0, hidden = 0;
  ASSERT_NO_FATAL_FAILURE(
      ApplyInBatches(*store, view, county, 150, [&](std::size_t, const BatchPlan& plan) {
        auto snapshot = view.Snapshot();
        ASSERT_TRUE(snapshot.ok());
        std::set<std::string> changed;
        for (const QueueChange& c : plan.queue_changes) changed.insert(c.key);
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
      }));
  EXPECT_GT(items, 200u);
  EXPECT_GT(shared, 50u) << "rows no batch touched keep what earlier pages wrote";
  EXPECT_GT(overdue, 0u);
  EXPECT_GT(hidden, 0u);

  // A row whose filtered fields read well but whose whole does not (a contact that does not
  // parse) has no item: the page is refused (500), nothing half-written is shown.
  std::string bad =
      SummaryRow("e", events::v1::RAG_RATING_RED) + std::string("\x72\x03\xff\xff\xff");
  std::shared_ptr<storage::Store> other = OpenScratchStore("queue-view-bad-item");
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
  std::shared_ptr<storage::Store> store = OpenScratchStore("record-json");
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
