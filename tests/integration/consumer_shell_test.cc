// The consumer shell's contract (ADR 0007) against a real broker and a real RocksDB store, with
// a small counting service: state and offsets commit together, poison and records on the wrong
// partition for their key go to the dead-letter topic with their reasons, a failed batch is retried
// from the stored offsets without being applied twice, a restart resumes where the store says,
// kInternal stops the loop, and a store whose offsets belong to another topic is refused.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <string>
#include <thread>

#include "broker.h"
#include "process.h"
#include "sightline/consumer/offsets.h"
#include "sightline/consumer/shell.h"
#include "sightline/kafka/admin.h"
#include "sightline/kafka/consumer.h"
#include "sightline/kafka/partitioner.h"
#include "sightline/kafka/producer.h"
#include "sightline/kafka/reader.h"
#include "sightline/storage/store.h"

namespace sightline {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

struct CountChange : consumer::Batch {
  int applied = 0;
};

// Counts the records it takes (a "count" row, read back and rewritten each batch, so a batch
// applied twice would count twice) and keeps each one under "rec/<key>". "poison" is a dead letter.
class CountingHandler final : public consumer::Handler<CountChange> {
 public:
  explicit CountingHandler(const storage::Store& store) : store_(store) {}

  StatusOr<CountChange> Prepare(std::span<const kafka::Record> records) override {
    ++prepared_;
    for (const kafka::Record& r : records) seen_.push_back(r.key);
    if (fail_at_ == prepared_) return Unavailable("injected failure");
    if (internal_at_ == prepared_) return Internal("injected corruption");
    auto stored = store_.Get("state", "count");
    if (!stored.ok()) return stored.status();
    int count = stored.value() ? std::stoi(*stored.value()) : 0;
    CountChange change;
    for (const kafka::Record& r : records) {
      if (r.value == "poison") {
        change.dead.push_back({&r, "invalid", "value: poison is not a record"});
        continue;
      }
      change.writes.Put("state", "rec/" + r.key, r.value);
      ++change.applied;
    }
    change.writes.Put("state", "count", std::to_string(count + change.applied));
    return change;
  }
  void Committed(const CountChange& change) override { committed_ += change.applied; }

  int fail_at_ = 0, internal_at_ = 0, prepared_ = 0, committed_ = 0;
  std::vector<std::string> seen_;

 private:
  const storage::Store& store_;
};

class ConsumerShellTest : public ::testing::Test {
 protected:
  void SetUp() override {
    brokers_ = testing::SharedBrokers();
    ASSERT_FALSE(brokers_.empty()) << "run through `make test`, which starts a broker";
    static int counter = 0;
    std::string suffix = std::to_string(getpid()) + "." + std::to_string(++counter);
    topic_ = "test.shell." + suffix;
    dlq_ = "test.shell-dlq." + suffix;
    auto r = kafka::EnsureTopics(
        brokers_, {},
        {{.name = topic_, .partitions = 2, .replication_factor = 1, .config = {}},
         {.name = dlq_, .partitions = 1, .replication_factor = 1, .config = {}}},
        seconds(30));
    ASSERT_TRUE(r.ok()) << r.status().message();
    dir_ = testing::TempDir("consumer-shell") + "/store";
    kafka::ProducerOptions options;
    options.brokers = brokers_;
    producer_ = std::move(kafka::Producer::Create(options)).value();
  }

  void Produce(int from, int to, int poison_every) {
    std::vector<kafka::OutboundMessage> out;
    for (int i = from; i < to; ++i) {
      bool poison = poison_every > 0 && i % poison_every == 0;
      out.push_back(
          {topic_, "k" + std::to_string(i), poison ? "poison" : "v" + std::to_string(i), {}});
    }
    for (const kafka::Delivery& d : producer_->SendAndWait(out)) ASSERT_TRUE(d.status.ok());
  }

  std::unique_ptr<storage::Store> OpenStore() {
    auto s = storage::Store::Open({.path = dir_, .column_families = {"state", "meta"}});
    EXPECT_TRUE(s.ok()) << s.status().message();
    return std::move(s).value();
  }

  consumer::Options Options() {
    return {.service = "shell-test",
            .topic = topic_,
            .dlq_topic = dlq_,
            .offsets_cf = "meta",
            .batch_max_records = 7,  // Several batches, so failures land mid-stream.
            .batch_wait = milliseconds(100),
            .ready_max_lag = 0,
            .stop_when_caught_up = true};
  }

  // Runs the shell until it has consumed everything on the topic (stop_when_caught_up).
  Status RunToEnd(storage::Store& store, CountingHandler& handler,
                  consumer::ShellStatus* status = nullptr) {
    kafka::ConsumerOptions options;
    options.brokers = brokers_;
    options.topic = topic_;
    options.group_id = topic_ + ".group";
    auto c = kafka::Consumer::Create(options);
    EXPECT_TRUE(c.ok());
    prometheus::Registry registry;
    consumer::Shell shell(*c.value(), *producer_, store, registry, Options());
    std::atomic<bool> stop{false}, done{false};
    // A shell that skips records never reaches the end: stop it after a while and say so.
    std::thread guard([&] {
      for (int i = 0; i < 300 && !done; ++i) std::this_thread::sleep_for(milliseconds(100));
      stop = true;
    });
    // As the HTTP API does: read the status from another thread while the shell runs (the
    // ThreadSanitizer build checks that this is race-free).
    std::thread reader([&] {
      while (!done) {
        consumer::ShellStatus seen = shell.Snapshot();
        EXPECT_GE(seen.records_committed, seen.dead_lettered);
        std::this_thread::sleep_for(milliseconds(1));
      }
    });
    Status s = shell.Run(handler, stop);
    bool timed_out = stop.load();
    done = true;
    guard.join();
    reader.join();
    if (status) *status = shell.Snapshot();
    if (s.ok() && timed_out) return Unavailable("did not reach the end of the topic in 30 s");
    return s;
  }

  int Count(const storage::Store& store) {
    auto v = store.Get("state", "count");
    return v.ok() && v.value() ? std::stoi(*v.value()) : -1;
  }

  std::string brokers_, topic_, dlq_, dir_;
  std::unique_ptr<kafka::Producer> producer_;
};

TEST_F(ConsumerShellTest, CommitsStateWithOffsetsAndDeadLettersPoison) {
  Produce(0, 50, 10);  // k0, k10, ... k40 are poison.
  auto store = OpenStore();
  CountingHandler handler(*store);
  consumer::ShellStatus status;
  ASSERT_TRUE(RunToEnd(*store, handler, &status).ok());
  EXPECT_EQ(Count(*store), 45);
  EXPECT_EQ(handler.committed_, 45);
  EXPECT_EQ(status.records_committed, 50u);
  EXPECT_EQ(status.dead_lettered, 5u);
  auto offsets = consumer::ReadOffsets(*store, "meta", topic_);
  ASSERT_TRUE(offsets.ok()) << offsets.status().message();
  std::int64_t total = 0;
  for (const auto& [p, next] : offsets.value()) {
    total += next;
    EXPECT_EQ(next, status.partitions.at(p).applied_next);
  }
  EXPECT_EQ(total, 50);
  auto dead = kafka::ReadTopic(brokers_, {}, dlq_, seconds(20));
  ASSERT_TRUE(dead.ok());
  ASSERT_EQ(dead.value().size(), 5u);
  std::map<std::string, std::string> headers(dead.value()[0].headers.begin(),
                                             dead.value()[0].headers.end());
  EXPECT_EQ(headers["sightline-dlq-reason"], "invalid");
  EXPECT_EQ(headers["sightline-dlq-consumer"], "shell-test");
  EXPECT_EQ(headers["sightline-dlq-source-topic"], topic_);
  EXPECT_EQ(dead.value()[0].value, "poison");
}

// A producer with another partitioner (kcat's default, many client libraries) puts a child's
// events on two partitions, and their order is lost: such records are dead letters.
TEST_F(ConsumerShellTest, ARecordOnTheWrongPartitionForItsKeyIsDeadLettered) {
  Produce(0, 10, 0);
  const std::string key = "k-misplaced";
  std::int32_t right = kafka::PartitionFor(key, 2);
  kafka::OutboundMessage wrong{
      .topic = topic_, .key = key, .value = "v-misplaced", .headers = {}, .partition = 1 - right};
  for (const kafka::Delivery& d : producer_->SendAndWait(std::vector{wrong})) {
    ASSERT_TRUE(d.status.ok());
    ASSERT_EQ(d.partition, 1 - right);
  }
  Produce(10, 20, 0);
  auto store = OpenStore();
  CountingHandler handler(*store);
  consumer::ShellStatus status;
  ASSERT_TRUE(RunToEnd(*store, handler, &status).ok());
  EXPECT_EQ(Count(*store), 20);
  EXPECT_EQ(std::count(handler.seen_.begin(), handler.seen_.end(), key), 0)
      << "the service was handed the misplaced record";
  EXPECT_EQ(status.records_committed, 21u) << "the misplaced record's offset was not committed";
  EXPECT_EQ(status.dead_lettered, 1u);
  auto dead = kafka::ReadTopic(brokers_, {}, dlq_, seconds(20));
  ASSERT_TRUE(dead.ok());
  ASSERT_EQ(dead.value().size(), 1u);
  EXPECT_EQ(dead.value()[0].key, key);
  std::map<std::string, std::string> headers(dead.value()[0].headers.begin(),
                                             dead.value()[0].headers.end());
  EXPECT_EQ(headers["sightline-dlq-reason"], "wrong_partition");
  EXPECT_NE(headers["sightline-dlq-detail"].find("belongs on partition " + std::to_string(right)),
            std::string::npos)
      << headers["sightline-dlq-detail"];
}

TEST_F(ConsumerShellTest, AFailedBatchIsRetriedFromStoredOffsetsAndAppliedOnce) {
  Produce(0, 40, 0);
  auto store = OpenStore();
  CountingHandler handler(*store);
  handler.fail_at_ = 3;  // The third batch fails once; the shell backs off and rewinds.
  consumer::ShellStatus status;
  Status s = RunToEnd(*store, handler, &status);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(Count(*store), 40) << "a batch was lost or applied twice";
  EXPECT_EQ(handler.committed_, 40);
  EXPECT_GE(status.failures, 1u);
  EXPECT_GT(handler.seen_.size(), 40u) << "the failed batch's records were not seen again";
}

TEST_F(ConsumerShellTest, ARestartResumesAtTheStoredOffsets) {
  Produce(0, 30, 0);
  {
    auto store = OpenStore();
    CountingHandler first(*store);
    ASSERT_TRUE(RunToEnd(*store, first).ok());
    EXPECT_EQ(first.seen_.size(), 30u);
  }
  Produce(30, 40, 0);
  auto store = OpenStore();
  CountingHandler second(*store);
  ASSERT_TRUE(RunToEnd(*store, second).ok());
  EXPECT_EQ(second.seen_.size(), 10u) << "records before the stored offsets were consumed again";
  EXPECT_EQ(Count(*store), 40);
}

TEST_F(ConsumerShellTest, AnInternalErrorStopsTheLoop) {
  Produce(0, 20, 0);
  auto store = OpenStore();
  CountingHandler handler(*store);
  handler.internal_at_ = 2;
  Status s = RunToEnd(*store, handler);
  EXPECT_EQ(s.code(), StatusCode::kInternal);
  EXPECT_NE(s.message().find("injected corruption"), std::string::npos);
  EXPECT_GT(handler.committed_, 0);
  EXPECT_LT(handler.committed_, 20) << "batches after the fatal one were committed";
  EXPECT_EQ(Count(*store), handler.committed_);
}

TEST_F(ConsumerShellTest, OffsetsOfAnotherTopicAreRefused) {
  Produce(0, 5, 0);
  auto store = OpenStore();
  storage::WriteBatch batch;
  consumer::PutOffsets(batch, "meta", "some.other.topic", {{0, 3}});
  ASSERT_TRUE(store->Write(batch).ok());
  CountingHandler handler(*store);
  Status s = RunToEnd(*store, handler);
  EXPECT_EQ(s.code(), StatusCode::kInternal);
  EXPECT_NE(s.message().find("some.other.topic"), std::string::npos) << s.message();
  EXPECT_EQ(handler.prepared_, 0);
}

}  // namespace
}  // namespace sightline
