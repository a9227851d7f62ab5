// Which client owns which event id (issue 13: idempotency that cannot be hijacked). An event id
// belongs to the first client that writes it, with the digest of what it said. The same client
// resending the same content is a duplicate (answered 202, not written again); the same id from
// another client, or with other content, is a conflict (409), never a silent dead letter
// downstream. Ids are claimed before the write and recorded only once Kafka has acknowledged them,
// so a failed write leaves the id free to resend. Kept in RocksDB beside the gateway (one store
// per gateway instance; the projector's event_id_reused dead letter stays the backstop across
// instances, ADR 0009). It also remembers each event's author and team, for corrections.
// Thread-safe.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "sightline/core/status.h"
#include "sightline/events/v1/envelope.pb.h"
#include "sightline/storage/store.h"

namespace sightline::gateway {

// What an event is, for idempotency: its content without what the gateway itself stamps
// (recorded_by always, recorded_at when the client left it out), as a SHA-256 hex digest of its
// deterministic serialisation. Takes the event as the client sent it, before stamping: a
// recorded_by the client sent is left out, as the gateway replaces it.
std::string ContentDigest(const events::v1::Envelope& unstamped);

enum class ClaimKind {
  kFresh,      // Nobody has written this id: it is now held for the caller until Settle.
  kDuplicate,  // The caller wrote this content under this id before: already on the topic.
  kConflict,   // Another client's id, or the caller's with other content: 409.
  kBusy,       // Being written right now by another request: retry shortly (503).
};

struct Claim {
  ClaimKind kind;
  std::string detail;  // Why, for conflicts and busy ids.
};

class IdLedger {
 public:
  static StatusOr<std::unique_ptr<IdLedger>> Open(const std::string& data_dir);

  // One request's events at once, a claim per event in order, as if taken one by one (a second
  // copy of an id in the same request finds the first in flight). The lock is held only to look
  // at and reserve ids in flight; the stored ids are then read in one MultiGet, and any
  // reservation the store answers (duplicate, conflict) is let go again. On a store error every
  // reservation this call made is let go.
  struct Wanted {
    const std::string* event_id;
    const std::string* digest;  // ContentDigest.
    // The team of the event's actor, kept so that a correction can be checked against the team
    // that wrote what it corrects.
    const std::string* team;
  };
  StatusOr<std::vector<Claim>> TakeAll(const std::vector<Wanted>& wanted, const std::string& owner);
  struct Author {
    std::string owner, team;
  };
  // Who wrote a recorded event (nullopt: no event of that id came through this gateway).
  StatusOr<std::optional<Author>> AuthorOf(const std::string& event_id) const;
  // Ends the claims taken (kFresh) for these ids: written ones are recorded for good (one
  // synchronous RocksDB write), the others released.
  Status Settle(const std::vector<std::string>& event_ids, const std::vector<bool>& written);

 private:
  explicit IdLedger(std::unique_ptr<storage::Store> store) : store_(std::move(store)) {}

  std::unique_ptr<storage::Store> store_;
  mutable std::mutex mu_;
  // Ids in flight, each with the row Settle will record for it (owner, digest, team), encoded
  // before the lock is taken.
  std::unordered_map<std::string, std::string> in_flight_;
};

}  // namespace sightline::gateway
