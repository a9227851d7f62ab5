#include "sightline/kafka/producer.h"

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>

#include "rdkafka_util.h"

namespace sightline::kafka {

using internal::ConfHandle;
using internal::KafkaHandle;

namespace {

// Deliveries of one SendAndWait call; shared with the delivery callbacks, which may outlive it
// only if the caller gave up, which SendAndWait never does (librdkafka reports every message).
struct Batch {
  std::mutex mu;
  std::condition_variable done;
  std::size_t remaining = 0;
  std::vector<Delivery> results;
  // Send's callback: called once, by the thread that settles the last delivery.
  std::function<void(std::vector<Delivery>)> then;
};

// One delivery of `b` is settled (under b.mu); returns whether it was the last.
bool SettleOne(Batch& b) {
  if (--b.remaining != 0) return false;
  b.done.notify_all();
  return true;
}

// Calls the batch's callback, if it has one, with its results (all settled).
void Finish(const std::shared_ptr<Batch>& b) {
  if (!b->then) return;
  std::function<void(std::vector<Delivery>)> then = std::move(b->then);
  then(std::move(b->results));
}

struct Ticket {
  std::shared_ptr<Batch> batch;
  std::size_t index;
};

void OnDelivery(rd_kafka_t*, const rd_kafka_message_t* msg, void*) {
  std::unique_ptr<Ticket> ticket(static_cast<Ticket*>(msg->_private));
  Batch& b = *ticket->batch;
  bool last = false;
  {
    std::lock_guard lock(b.mu);
    Delivery& d = b.results[ticket->index];
    if (msg->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      d = {Status::Ok(), msg->partition, msg->offset};
    } else {
      d.status =
          Unavailable(std::string("not acknowledged by Kafka: ") + rd_kafka_err2str(msg->err));
    }
    last = SettleOne(b);
  }
  if (last) Finish(ticket->batch);
}

}  // namespace

struct Producer::Impl {
  KafkaHandle rk;
  std::atomic<bool> stop{false};
  std::atomic<bool> fatal{false};
  std::thread poller;
  std::mutex held_mu;
  std::vector<rd_kafka_topic_t*> held;  // Topics Warm() keeps known, released before rk.

  ~Impl() {
    if (rk && rd_kafka_flush(rk.get(), 10000) != RD_KAFKA_RESP_ERR_NO_ERROR) {
      // Still unacknowledged: reported failed (purged), so every waiter and callback is answered.
      rd_kafka_purge(rk.get(), RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
      rd_kafka_flush(rk.get(), 2000);
    }
    for (rd_kafka_topic_t* t : held) rd_kafka_topic_destroy(t);
    stop = true;
    if (poller.joinable()) poller.join();
  }
};

Producer::Producer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Producer::~Producer() = default;

StatusOr<std::unique_ptr<Producer>> Producer::Create(const ProducerOptions& options) {
  ConfHandle conf(rd_kafka_conf_new());
  Properties fixed = {
      {"bootstrap.servers", options.brokers},
      {"client.id", options.client_id},
      {"enable.idempotence", "true"},
      {"acks", "all"},
      {"partitioner", "murmur2_random"},
      {"allow.auto.create.topics", "false"},
      {"message.timeout.ms", std::to_string(options.delivery_timeout.count())},
      {"linger.ms", "5"},
      {"compression.type", "lz4"},
  };
  if (Status s = internal::SetAll(conf.get(), fixed); !s.ok()) return s;
  if (Status s = internal::SetAll(conf.get(), options.properties); !s.ok()) return s;
  auto impl = std::make_unique<Impl>();
  rd_kafka_conf_set_dr_msg_cb(conf.get(), OnDelivery);
  rd_kafka_conf_set_opaque(conf.get(), impl.get());
  rd_kafka_conf_set_error_cb(
      conf.get(), [](rd_kafka_t* rk, int err, const char* reason, void* opaque) {
        if (err != RD_KAFKA_RESP_ERR__FATAL) return;  // Transient: librdkafka retries on its own.
        static_cast<Impl*>(opaque)->fatal = true;
        char fatal[512];
        rd_kafka_fatal_error(rk, fatal, sizeof fatal);
        std::fprintf(stderr, "kafka producer: FATAL: %s (%s)\n", fatal, reason);
      });
  auto rk = internal::NewClient(RD_KAFKA_PRODUCER, std::move(conf));
  if (!rk.ok()) return rk.status();
  impl->rk = std::move(rk).value();
  // Topic objects made before any message names them by topic, so they carry these settings.
  for (const auto& [topic, timeout] : options.topic_delivery_timeouts) {
    // From the client's default topic settings (the murmur2 partitioner among them), not
    // librdkafka's built-in ones.
    rd_kafka_topic_conf_t* tconf = rd_kafka_default_topic_conf_dup(impl->rk.get());
    char err[256];
    if (rd_kafka_topic_conf_set(tconf, "message.timeout.ms",
                                std::to_string(timeout.count()).c_str(), err,
                                sizeof err) != RD_KAFKA_CONF_OK) {
      rd_kafka_topic_conf_destroy(tconf);
      return InvalidArgument("message.timeout.ms for " + topic + ": " + err);
    }
    rd_kafka_topic_t* rkt = rd_kafka_topic_new(impl->rk.get(), topic.c_str(), tconf);
    if (rkt == nullptr) return Internal("topic handle for " + topic);
    impl->held.push_back(rkt);
  }
  Impl* raw = impl.get();
  impl->poller = std::thread([raw] {
    while (!raw->stop) rd_kafka_poll(raw->rk.get(), 100);
  });
  return std::unique_ptr<Producer>(new Producer(std::move(impl)));
}

std::vector<Delivery> Producer::SendAndWait(std::span<const OutboundMessage> messages) {
  auto batch = std::make_shared<Batch>();
  Enqueue(batch, messages);
  std::unique_lock lock(batch->mu);
  batch->done.wait(lock, [&] { return batch->remaining == 0; });
  return batch->results;
}

void Producer::Send(std::span<const OutboundMessage> messages,
                    std::function<void(std::vector<Delivery>)> then) {
  auto batch = std::make_shared<Batch>();
  batch->then = std::move(then);
  // Enqueue holds one delivery back, so that the callback cannot run before every message is
  // enqueued (or refused); the last settle, here or in OnDelivery, calls it.
  Enqueue(batch, messages);
}

void Producer::Enqueue(const std::shared_ptr<void>& opaque,
                       std::span<const OutboundMessage> messages) {
  auto batch = std::static_pointer_cast<Batch>(opaque);
  batch->results.resize(messages.size());
  {
    std::lock_guard lock(batch->mu);
    batch->remaining = messages.size() + 1;  // The +1 is settled below, after the loop.
  }
  if (impl_->fatal) {
    std::lock_guard lock(batch->mu);
    for (Delivery& d : batch->results) d.status = Internal("the Kafka producer hit a fatal error");
    batch->remaining = 1;
    messages = {};
  }
  for (std::size_t i = 0; i < messages.size(); ++i) {
    const OutboundMessage& m = messages[i];
    rd_kafka_headers_t* headers = rd_kafka_headers_new(m.headers.size());
    for (const auto& [name, value] : m.headers) {
      rd_kafka_header_add(headers, name.data(), static_cast<ssize_t>(name.size()), value.data(),
                          static_cast<ssize_t>(value.size()));
    }
    auto* ticket = new Ticket{batch, i};
    rd_kafka_vu_t vu[7];
    vu[0].vtype = RD_KAFKA_VTYPE_TOPIC;
    vu[0].u.cstr = m.topic.c_str();
    vu[1].vtype = RD_KAFKA_VTYPE_KEY;
    vu[1].u.mem = {const_cast<char*>(m.key.data()), m.key.size()};
    vu[2].vtype = RD_KAFKA_VTYPE_VALUE;
    vu[2].u.mem = {const_cast<char*>(m.value.data()), m.value.size()};
    vu[3].vtype = RD_KAFKA_VTYPE_MSGFLAGS;
    vu[3].u.i = RD_KAFKA_MSG_F_COPY;
    vu[4].vtype = RD_KAFKA_VTYPE_HEADERS;
    vu[4].u.headers = headers;
    vu[5].vtype = RD_KAFKA_VTYPE_OPAQUE;
    vu[5].u.ptr = ticket;
    std::size_t n = 6;
    if (m.partition != kPartitionByKey) {
      vu[n].vtype = RD_KAFKA_VTYPE_PARTITION;
      vu[n++].u.i32 = m.partition;
    }
    rd_kafka_error_t* error = rd_kafka_produceva(impl_->rk.get(), vu, n);
    if (error != nullptr) {
      // Not enqueued: we still own the headers and the ticket.
      std::string why = rd_kafka_error_string(error);
      rd_kafka_error_destroy(error);
      rd_kafka_headers_destroy(headers);
      delete ticket;
      std::lock_guard lock(batch->mu);
      batch->results[i].status = Unavailable("cannot enqueue for Kafka: " + why);
      --batch->remaining;
    }
  }
  bool last = false;
  {
    std::lock_guard lock(batch->mu);
    last = SettleOne(*batch);
  }
  if (last) Finish(batch);
}

Status Producer::Ping(const std::string& topic, std::chrono::milliseconds timeout) {
  return internal::TopicPartitions(impl_->rk.get(), topic, static_cast<int>(timeout.count()))
      .status();
}

Status Producer::Warm(const std::string& topic, std::chrono::milliseconds timeout) {
  // Held for the producer's lifetime, the handle keeps the topic (and its leaders, once Ping's
  // metadata answer arrives) known to librdkafka.
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(impl_->rk.get(), topic.c_str(), nullptr);
  if (!rkt) return Internal("topic handle for " + topic);
  {
    std::lock_guard lock(impl_->held_mu);
    impl_->held.push_back(rkt);
  }
  return Ping(topic, timeout);
}

bool Producer::HasFatalError() const { return impl_->fatal; }

}  // namespace sightline::kafka
