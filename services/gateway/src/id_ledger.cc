#include "id_ledger.h"

#include <algorithm>
#include <optional>

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include "sightline/crypto/digest.h"

namespace sightline::gateway {
namespace {

constexpr const char* kIds = "event_ids";  // event_id -> owner '\0' digest '\0' team.

std::string Encode(const std::string& owner, const std::string& digest, const std::string& team) {
  std::string v = owner;
  v.push_back('\0');
  v += digest;
  v.push_back('\0');
  v += team;
  return v;
}

struct Decoded {
  std::string_view owner, digest, team;
};

Decoded Decode(std::string_view v) {
  Decoded d;
  std::size_t a = v.find('\0');
  d.owner = v.substr(0, a);
  if (a == std::string_view::npos) return d;
  std::size_t b = v.find('\0', a + 1);
  d.digest = v.substr(a + 1, b == std::string_view::npos ? std::string_view::npos : b - a - 1);
  if (b != std::string_view::npos) d.team = v.substr(b + 1);
  return d;
}

}  // namespace

std::string ContentDigest(const events::v1::Envelope& unstamped) {
  const events::v1::Envelope* event = &unstamped;
  std::optional<events::v1::Envelope> copy;  // Only when the client sent a recorded_by.
  if (!unstamped.recorded_by().empty()) {
    copy = unstamped;
    copy->clear_recorded_by();
    event = &*copy;
  }
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream out(&bytes);
    google::protobuf::io::CodedOutputStream coded(&out);
    coded.SetSerializationDeterministic(true);
    event->SerializeToCodedStream(&coded);
  }
  return crypto::Sha256Hex(bytes);
}

StatusOr<std::unique_ptr<IdLedger>> IdLedger::Open(const std::string& data_dir) {
  auto store = storage::Store::Open({.path = data_dir,
                                     .column_families = {kIds},
                                     .block_cache_bytes = 32 << 20,
                                     .lookup_column_families = {kIds}});
  if (!store.ok()) return store.status();
  return std::unique_ptr<IdLedger>(new IdLedger(std::move(store).value()));
}

StatusOr<std::vector<Claim>> IdLedger::TakeAll(const std::vector<Wanted>& wanted,
                                               const std::string& owner) {
  std::vector<Claim> claims(wanted.size(), Claim{ClaimKind::kFresh, ""});
  std::vector<std::string> rows;
  rows.reserve(wanted.size());
  for (const Wanted& w : wanted) rows.push_back(Encode(owner, *w.digest, *w.team));
  std::vector<std::size_t> reserved;  // Indexes of the ids this call put in flight.
  {
    std::lock_guard lock(mu_);
    for (std::size_t i = 0; i < wanted.size(); ++i) {
      // try_emplace leaves the row alone when the id is already in flight.
      auto [flying, fresh] = in_flight_.try_emplace(*wanted[i].event_id, std::move(rows[i]));
      if (fresh) {
        reserved.push_back(i);
        continue;
      }
      Decoded holder = Decode(flying->second);
      if (holder.owner != owner) {
        claims[i] = {ClaimKind::kConflict, "event_id is being written by another client"};
      } else if (holder.digest != *wanted[i].digest) {
        claims[i] = {ClaimKind::kConflict,
                     "event_id is being written by another request with other content"};
      } else {
        claims[i] = {ClaimKind::kBusy, "event_id is being written by another request; retry"};
      }
    }
  }
  // An id recorded by a request that settled before the reservation was made is in the store
  // by now: Settle writes before it lets its ids go.
  std::vector<std::string_view> keys;
  keys.reserve(reserved.size());
  for (std::size_t i : reserved) keys.emplace_back(*wanted[i].event_id);
  auto stored = store_->MultiGet(kIds, keys);
  std::vector<std::size_t> release;
  if (stored.ok()) {
    for (std::size_t k = 0; k < reserved.size(); ++k) {
      const std::optional<std::string>& row = stored.value()[k];
      if (!row) continue;
      const std::size_t i = reserved[k];
      Decoded held = Decode(*row);
      if (held.owner != owner) {
        claims[i] = {ClaimKind::kConflict, "event_id already belongs to another client"};
      } else if (held.digest != *wanted[i].digest) {
        claims[i] = {ClaimKind::kConflict,
                     "event_id was already used for an event with other content; a new event "
                     "needs a new event_id"};
      } else {
        claims[i] = {ClaimKind::kDuplicate, ""};
      }
      release.push_back(i);
    }
  } else {
    release = reserved;
  }
  if (!release.empty()) {
    std::lock_guard lock(mu_);
    for (std::size_t i : release) in_flight_.erase(*wanted[i].event_id);
  }
  if (!stored.ok()) return stored.status();
  return claims;
}

StatusOr<std::optional<IdLedger::Author>> IdLedger::AuthorOf(const std::string& event_id) const {
  auto stored = store_->Get(kIds, event_id);
  if (!stored.ok()) return stored.status();
  if (!stored.value()) return std::optional<Author>();
  Decoded d = Decode(*stored.value());
  return std::optional<Author>(Author{std::string(d.owner), std::string(d.team)});
}

Status IdLedger::Settle(const std::vector<std::string>& event_ids,
                        const std::vector<bool>& written) {
  // In key order: the memtable's skip list takes a sorted run from where the last key went in.
  std::vector<std::size_t> order;
  order.reserve(event_ids.size());
  for (std::size_t i = 0; i < event_ids.size(); ++i)
    if (written[i]) order.push_back(i);
  std::sort(order.begin(), order.end(),
            [&](std::size_t a, std::size_t b) { return event_ids[a] < event_ids[b]; });
  storage::WriteBatch batch;
  {
    std::lock_guard lock(mu_);
    for (std::size_t i : order) {
      auto held = in_flight_.find(event_ids[i]);
      if (held != in_flight_.end()) batch.Put(kIds, event_ids[i], held->second);
    }
  }
  // Written outside the lock (an fsync must not hold up other requests); the ids stay claimed
  // until they are recorded, so no other request can slip in between.
  Status s = batch.Count() == 0 ? Status::Ok() : store_->Write(batch);
  std::lock_guard lock(mu_);
  for (const std::string& id : event_ids) in_flight_.erase(id);
  return s;
}

}  // namespace sightline::gateway
