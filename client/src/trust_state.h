// What a client trusts about one server, and the last checkpoint it
// accepted, kept in a small JSON state file so that a forked or rewritten
// log is caught across runs:
//
//   {"vkey": "<note verifier key>", "origin": "<log origin>",
//    "checkpoint": "<last accepted signed note>"}
//
//   ASSIGN_OR_RETURN(TrustState t, TrustState::Load(path, pinned_vkey, /*tofu=*/false));
//   RETURN_IF_ERROR(t.CheckServerKey(hello_vkey, hello_origin));
//   ASSIGN_OR_RETURN(VerifiedCheckpoint c, t.Open(note));            // signature, origin
//   RETURN_IF_ERROR(t.Accept(c, fetch_consistency_proof));          // consistent with the last
//
// The file is replaced atomically (write + rename) each time a larger
// checkpoint is accepted. Not thread-safe.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "ledger/net/client.h"
#include "ledger/note.h"

namespace ledger::net {

class TrustState {
 public:
  using FetchConsistency = std::function<StatusOr<std::vector<Hash>>(uint64_t old_size, uint64_t new_size)>;

  TrustState() = default;
  // `path` "" keeps everything in memory. `vkey` pins the server key (it
  // must match a key already in the state file: STATE_KEY_MISMATCH);
  // `trust_on_first_use` pins whatever key the server presents first.
  static StatusOr<TrustState> Load(const std::string& path, const std::string& vkey, bool trust_on_first_use);

  // The key and origin a server announced: WRONG_SERVER_KEY unless pinned;
  // NO_PINNED_KEY when nothing is pinned and trust on first use is off.
  Status CheckServerKey(const std::string& server_vkey, const std::string& origin);
  // Verifies the note's signature with the pinned key and its origin.
  StatusOr<VerifiedCheckpoint> Open(const std::string& note) const;
  // Checks `c` against the last accepted checkpoint (same size: same root;
  // other size: a consistency proof fetched and verified) and remembers the
  // larger one. DATA_LOSS (INCONSISTENT_CHECKPOINT) on a fork; DATA_LOSS
  // (STALE_CHECKPOINT) for a smaller one unless `explicit_size` (the user
  // asked for that size): a server must not roll a client back.
  Status Accept(const VerifiedCheckpoint& c, const FetchConsistency& fetch, bool explicit_size = false);

  const std::optional<VerifiedCheckpoint>& last() const { return last_; }

 private:
  // Writes the state file (WriteFileDurably, 0644); UNAVAILABLE STATE_WRITE.
  Status Save() const;

  std::string path_;
  std::optional<NoteVerifier> verifier_;
  bool trust_on_first_use_ = false;
  std::string origin_;
  std::optional<VerifiedCheckpoint> last_;
};

}  // namespace ledger::net
