#include "id_ledger.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include "sightline/crypto/digest.h"

namespace sightline::gateway {
namespace {

constexpr const char* kIds = "event_ids";  // event_id -> owner '\0' digest.

std::string Encode(const std::string& owner, const std::string& digest) {
  std::string v = owner;
  v.push_back('\0');
  v += digest;
  return v;
}

}  // namespace

std::string ContentDigest(const events::v1::Envelope& event, bool recorded_at_stamped) {
  events::v1::Envelope copy = event;
  copy.clear_recorded_by();
  if (recorded_at_stamped) copy.clear_recorded_at();
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream out(&bytes);
    google::protobuf::io::CodedOutputStream coded(&out);
    coded.SetSerializationDeterministic(true);
    copy.SerializeToCodedStream(&coded);
  }
  return crypto::Sha256Hex(bytes);
}

StatusOr<std::unique_ptr<IdLedger>> IdLedger::Open(const std::string& data_dir) {
  auto store = storage::Store::Open(
      {.path = data_dir, .column_families = {kIds}, .block_cache_bytes = 32 << 20});
  if (!store.ok()) return store.status();
  return std::unique_ptr<IdLedger>(new IdLedger(std::move(store).value()));
}

StatusOr<Claim> IdLedger::Take(const std::string& event_id, const std::string& owner,
                               const std::string& digest) {
  std::lock_guard lock(mu_);
  auto flying = in_flight_.find(event_id);
  if (flying != in_flight_.end()) {
    if (flying->second.owner != owner)
      return Claim{ClaimKind::kConflict, "event_id is being written by another client"};
    if (flying->second.digest != digest)
      return Claim{ClaimKind::kConflict,
                   "event_id is being written by another request with other content"};
    return Claim{ClaimKind::kBusy, "event_id is being written by another request; retry"};
  }
  auto stored = store_->Get(kIds, event_id);
  if (!stored.ok()) return stored.status();
  if (stored.value()) {
    const std::string& v = *stored.value();
    std::size_t cut = v.find('\0');
    std::string_view held_owner = std::string_view(v).substr(0, cut);
    std::string_view held_digest =
        cut == std::string::npos ? std::string_view() : std::string_view(v).substr(cut + 1);
    if (held_owner != owner)
      return Claim{ClaimKind::kConflict, "event_id already belongs to another client"};
    if (held_digest != digest)
      return Claim{ClaimKind::kConflict,
                   "event_id was already used for an event with other content; a new event "
                   "needs a new event_id"};
    return Claim{ClaimKind::kDuplicate, ""};
  }
  in_flight_.emplace(event_id, Holder{owner, digest});
  return Claim{ClaimKind::kFresh, ""};
}

Status IdLedger::Settle(const std::vector<std::string>& event_ids,
                        const std::vector<bool>& written) {
  storage::WriteBatch batch;
  {
    std::lock_guard lock(mu_);
    for (std::size_t i = 0; i < event_ids.size(); ++i) {
      auto held = in_flight_.find(event_ids[i]);
      if (held != in_flight_.end() && written[i])
        batch.Put(kIds, event_ids[i], Encode(held->second.owner, held->second.digest));
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
