#include "sightline/consumer/shell.h"

#include <iostream>
#include <thread>

#include "sightline/consumer/offsets.h"
#include "sightline/kafka/dead_letter.h"
#include "sightline/kafka/partitioner.h"

namespace sightline::consumer {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

constexpr milliseconds kFirstBackoff{100};
constexpr milliseconds kMaxBackoff{5000};
constexpr milliseconds kBrokerTimeout{5000};
constexpr milliseconds kWatermarkTimeout{3000};

std::string MetricsPrefix(std::string service) {
  for (char& c : service)
    if (c == '-') c = '_';
  return service;
}

}  // namespace

nlohmann::json ToJson(const ShellStatus& status) {
  nlohmann::json partitions = nlohmann::json::array();
  for (const auto& [p, pp] : status.partitions) {
    partitions.push_back({{"partition", p},
                          {"applied_next", pp.applied_next},
                          {"high_watermark", pp.high_watermark},
                          {"lag", pp.high_watermark < 0 ? -1 : pp.Lag()}});
  }
  return {{"ready", status.Ready()},
          {"caught_up", status.caught_up},
          {"caught_up_once", status.ever_caught_up},
          {"records_committed", status.records_committed},
          {"dead_lettered", status.dead_lettered},
          {"failures", status.failures},
          {"last_error", status.last_error},
          {"partitions", partitions}};
}

Shell::Shell(kafka::Consumer& consumer, kafka::Producer& dlq, storage::Store& store,
             prometheus::Registry& registry, Options options)
    : consumer_(consumer),
      dlq_(dlq),
      store_(&store),
      options_(std::move(options)),
      lag_(prometheus::BuildGauge()
               .Name(MetricsPrefix(options_.service) + "_consumer_lag")
               .Help("High watermark minus the next offset applied, per partition")
               .Register(registry)),
      applied_offset_(prometheus::BuildGauge()
                          .Name(MetricsPrefix(options_.service) + "_applied_offset")
                          .Help("Next offset to apply per partition (stored with the state)")
                          .Register(registry)),
      caught_up_gauge_(prometheus::BuildGauge()
                           .Name(MetricsPrefix(options_.service) + "_caught_up")
                           .Help("1 while every partition is within the ready lag of its high "
                                 "watermark (and the watermarks seen at start are reached)")
                           .Register(registry)
                           .Add({})),
      failures_(prometheus::BuildCounter()
                    .Name(MetricsPrefix(options_.service) + "_apply_errors_total")
                    .Help("Failed consume turns, each retried after a backoff from the stored "
                          "offsets")
                    .Register(registry)
                    .Add({})),
      records_(prometheus::BuildCounter()
                   .Name(MetricsPrefix(options_.service) + "_consumed_records_total")
                   .Help("Records consumed, by outcome (committed: taken into the state; "
                         "dead_lettered: sent to the dead-letter topic)")
                   .Register(registry)) {}

ShellStatus Shell::Snapshot() const {
  std::lock_guard lock(mu_);
  return status_;
}

void Shell::Sleep(milliseconds d, const std::atomic<bool>& stop) const {
  auto until = steady_clock::now() + d;
  while (!stop && steady_clock::now() < until) std::this_thread::sleep_for(milliseconds(20));
}

Status Shell::Rewind() {
  auto stored = ReadOffsets(*store_, options_.offsets_cf, options_.topic);
  if (!stored.ok()) return stored.status();
  auto next = consumer_.AssignFrom(stored.value(), kBrokerTimeout);
  if (!next.ok()) return next.status();
  partition_count_ = static_cast<std::int32_t>(next.value().size());
  std::lock_guard lock(mu_);
  for (const auto& [p, offset] : next.value()) status_.partitions[p].applied_next = offset;
  UpdateLagLocked();
  return Status::Ok();
}

Status Shell::Rebase(storage::Store& store) {
  store_ = &store;
  return Rewind();
}

Status Shell::Start(const std::atomic<bool>& stop) {
  while (!stop) {
    Status s = Rewind();
    if (s.ok()) {
      auto hw = consumer_.HighWatermarks(kBrokerTimeout);
      if (hw.ok()) {
        std::lock_guard lock(mu_);
        target_ = hw.value();
        return Status::Ok();
      }
      s = hw.status();
    }
    if (s.code() == StatusCode::kInternal) return s;
    BackOff(s, stop);  // The next attempt rewinds anyway.
  }
  return Status::Ok();
}

void Shell::BackOff(const Status& why, const std::atomic<bool>& stop) {
  std::cerr << options_.service << ": " << why.ToString() << "; retrying in " << backoff_.count()
            << " ms from the stored offsets\n";
  failures_.Increment();
  {
    std::lock_guard lock(mu_);
    status_.last_error = why.ToString();
    ++status_.failures;
  }
  Sleep(backoff_, stop);
  backoff_ = std::min(backoff_ * 2, kMaxBackoff);
}

Status Shell::Recover(const Status& why, const std::atomic<bool>& stop) {
  BackOff(why, stop);
  if (stop) return Status::Ok();
  Status r = Rewind();
  if (r.code() == StatusCode::kInternal) return r;
  if (!r.ok()) {
    std::lock_guard lock(mu_);
    status_.last_error = r.ToString();  // The next failed turn lands here again.
  }
  return Status::Ok();
}

void Shell::Succeeded() {
  backoff_ = kFirstBackoff;
  std::lock_guard lock(mu_);
  status_.last_error.clear();
}

bool Shell::TargetReached() const {
  std::lock_guard lock(mu_);
  for (const auto& [p, target] : target_) {
    auto it = status_.partitions.find(p);
    if (target < 0 || it == status_.partitions.end() || it->second.applied_next < target)
      return false;
  }
  return true;
}

void Shell::UpdateLagLocked() {
  for (const auto& [p, pp] : status_.partitions) {
    std::string label = std::to_string(p);
    applied_offset_.Add({{"partition", label}}).Set(static_cast<double>(pp.applied_next));
    if (pp.high_watermark >= 0) lag_.Add({{"partition", label}}).Set(static_cast<double>(pp.Lag()));
  }
}

bool Shell::RefreshWatermarks() {
  last_watermarks_ = steady_clock::now();
  auto hw = consumer_.HighWatermarks(kWatermarkTimeout);
  bool reached = TargetReached();
  std::lock_guard lock(mu_);
  if (!hw.ok()) {
    status_.caught_up = false;
    status_.last_error = hw.status().ToString();
    caught_up_gauge_.Set(0);
    return false;
  }
  bool caught_up = reached && !status_.partitions.empty();
  for (auto& [p, pp] : status_.partitions) {
    auto it = hw.value().find(p);
    if (it == hw.value().end()) {
      caught_up = false;
      continue;
    }
    pp.high_watermark = it->second;
    caught_up = caught_up && pp.high_watermark - pp.applied_next <= options_.ready_max_lag;
  }
  UpdateLagLocked();
  status_.caught_up = caught_up;
  status_.ever_caught_up = status_.ever_caught_up || caught_up;
  caught_up_gauge_.Set(caught_up ? 1 : 0);
  return caught_up;
}

StatusOr<std::vector<kafka::Record>> Shell::Poll() {
  return consumer_.Poll(options_.batch_max_records, options_.batch_wait);
}

std::vector<kafka::Record> Shell::Misplaced(const std::vector<kafka::Record>& records,
                                            std::vector<DeadLetter>& misplaced) const {
  if (partition_count_ <= 0) return {};
  for (const kafka::Record& r : records) {
    if (r.key.empty()) continue;  // About no child (the heartbeat): no order to keep.
    std::int32_t want = kafka::PartitionFor(r.key, partition_count_);
    if (want != r.partition)
      misplaced.push_back({&r, "wrong_partition",
                           "key belongs on partition " + std::to_string(want) + " of " +
                               std::to_string(partition_count_) +
                               " (murmur2, as the Java client); produce with that partitioner"});
  }
  if (misplaced.empty()) return {};
  std::vector<kafka::Record> placed;
  placed.reserve(records.size() - misplaced.size());
  std::size_t next = 0;
  for (const kafka::Record& r : records) {
    if (next < misplaced.size() && misplaced[next].record == &r) {
      ++next;
      continue;
    }
    placed.push_back(r);
  }
  return placed;
}

Status Shell::Commit(Batch& batch, std::span<const kafka::Record> records) {
  if (!batch.dead.empty()) {
    std::vector<kafka::OutboundMessage> out;
    out.reserve(batch.dead.size());
    for (const DeadLetter& d : batch.dead)
      out.push_back(kafka::DeadLetterMessage(options_.dlq_topic, options_.topic, *d.record,
                                             d.reason, d.detail, options_.service));
    for (const kafka::Delivery& delivery : dlq_.SendAndWait(out)) {
      if (!delivery.status.ok())
        return Unavailable("dead-letter topic " + options_.dlq_topic + ": " +
                           delivery.status.message());
    }
  }
  std::map<std::int32_t, std::int64_t> next;
  for (const kafka::Record& r : records)
    next[r.partition] = std::max(next[r.partition], r.offset + 1);
  PutOffsets(batch.writes, options_.offsets_cf, options_.topic, next);
  if (Status s = store_->Write(batch.writes); !s.ok()) return s;
  auto dead = static_cast<double>(batch.dead.size());
  records_.Add({{"outcome", "committed"}}).Increment(static_cast<double>(records.size()) - dead);
  records_.Add({{"outcome", "dead_lettered"}}).Increment(dead);
  {
    std::lock_guard lock(mu_);
    for (const auto& [p, offset] : next) {
      PartitionStatus& pp = status_.partitions[p];
      pp.applied_next = offset;
      if (pp.high_watermark >= 0) pp.high_watermark = std::max(pp.high_watermark, offset);
    }
    status_.records_committed += records.size();
    status_.dead_lettered += batch.dead.size();
    UpdateLagLocked();
  }
  consumer_.CommitAdvisory(next);
  return Status::Ok();
}

}  // namespace sightline::consumer
