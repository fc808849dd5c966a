// Offline field capture: signed events kept in a local file until the
// server can be reached (mentor teams in villages without signal), then
// sent exactly once.
//
//   OfflineQueue q("~/.ledger/queue.jsonl");
//   RETURN_IF_ERROR(q.Add({signed_body}));            // signed now, sent later
//   ...
//   ASSIGN_OR_RETURN(auto results, q.Sync(*client));  // seq of each event
//
// File format (JSON Lines, one event per line, appended and fsynced):
//   {"signed": "<base64 SignedBody message>", "idempotency_key": "<hex>",
//    "queued_at": "<ISO 8601 UTC>"}
// Events the server refuses for good (bad signature, rule broken) are moved
// to "<queue>.rejected" with the error; events not sent (no connection,
// pushback) stay queued.
//
// Exactly once: each event carries its idempotency key inside the signed
// body, so if a sync is interrupted after the server stored some events but
// before the queue file was rewritten, the next sync gets the original seqs
// back (SyncResult::duplicate) and stores nothing twice.
//
// Several processes may use one queue: Add and Sync take an exclusive lock
// on "<queue>.lock".
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ledger/ledger.h"
#include "ledger/net/client.h"

namespace ledger::net {

struct SyncResult {
  std::string idempotency_key;   // hex
  AppendOutcome outcome;          // seq and leaf hash, or the error
  bool kept = false;              // still queued (to be retried)
};

class OfflineQueue {
 public:
  explicit OfflineQueue(std::string path) : path_(std::move(path)) {}

  // Appends signed events (SignedBody messages) to the queue file, fsynced.
  // InvalidArgument when one is not a well-formed SignedBody.
  Status Add(const std::vector<std::string>& signed_bodies);
  // The queued events, oldest first.
  StatusOr<std::vector<std::string>> Pending() const;
  // Sends the queue in batches of `batch`; results in queue order.
  StatusOr<std::vector<SyncResult>> Sync(Client& client, size_t batch = 500);

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace ledger::net
