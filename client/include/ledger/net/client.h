// The ledger client library: appends with safe retries, queries and proofs,
// and verification of everything the server says (docs/protocol.md).
//
//   ClientOptions o;
//   o.server = "ledger.example:7433";
//   o.tls = {"pho-33.crt", "pho-33.key", "ca.crt"};
//   o.server_vkey = "ledger.cdd.go.th/sisaket+1a2b3c4d+AU...";   // pinned
//   o.state_file = "~/.ledger/state.json";    // last checkpoint seen
//   ASSIGN_OR_RETURN(auto client, Client::Connect(o));
//   std::vector<AppendOutcome> r = client->Append({signed_body});   // exactly once
//   ASSIGN_OR_RETURN(ProvenEvent e, client->GetEvent(r[0]->seq));   // verified
//
// What "verified" means here:
//   * every checkpoint is a signed note that verifies with the pinned server
//     key, with the pinned origin;
//   * every new checkpoint is consistent (RFC 9162 consistency proof) with
//     the last one this client accepted, which is kept in `state_file`, so a
//     server that forks or rewrites its log is caught across runs;
//   * every event returned comes with an inclusion proof against such a
//     checkpoint, and its leaf hash is computed here from its bytes;
//   * a household history is a hash chain (householdPrev links) whose last
//     event is proven included.
// Anything that fails these checks is an error (DATA_LOSS, reasons
// BAD_CHECKPOINT_SIGNATURE, INCONSISTENT_CHECKPOINT, BAD_PROOF, BAD_EVENT,
// BROKEN_CHAIN), never a success.
//
// Retries: connecting (in Connect, Append and every query) is retried with
// exponential backoff and jitter while the server is unreachable, shutting
// down or full (UNAVAILABLE, RESOURCE_EXHAUSTED), for up to `timeout`.
// Append resends on a broken connection (reconnecting) and resends
// the events the server pushed back after its retry-after. The idempotency
// key inside each signed event makes a resend exactly-once: the server
// answers a replay with the original seq (AppendResult::duplicate).
//
// Not thread-safe: one Client per thread (connections are cheap).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ledger/bytes.h"
#include "ledger/ledger.h"
#include "ledger/net/frame_limits.h"
#include "ledger/note.h"
#include "ledger/status.h"

namespace ledger::net {

struct ClientTls {
  std::string cert;   // this client's certificate (CN = agency or user, OU = role)
  std::string key;
  std::string ca;     // CA of the server certificate
};

struct ClientOptions {
  std::string server;                 // "HOST:PORT"
  bool dev_insecure = false;          // plain TCP; identity from hello:
  std::string dev_role = "agency";    //   agency | inspector | mirror | operator
  std::string dev_name;               //   agency code or user name
  ClientTls tls;
  std::string server_name;            // name in the server certificate (default: host)

  // Pinned note verifier key of the server ("name+hash+base64"). When empty
  // the key pinned in `state_file` is used; with neither, Connect fails
  // (NO_PINNED_KEY) unless `trust_on_first_use`.
  std::string server_vkey;
  bool trust_on_first_use = false;
  std::string state_file;             // "" keeps the state in memory only

  std::chrono::milliseconds connect_timeout{10000};
  std::chrono::milliseconds timeout{30000};   // per reply; also how long connecting is retried
  int max_attempts = 10;                      // sends of one append batch, pushbacks included
  FrameLimits limits;
};

struct ServerInfo {
  std::string origin;
  std::string verifier_key;
  uint64_t tree_size = 0;
  std::string role;
  std::string name;
};

struct VerifiedCheckpoint {
  std::string note;        // verbatim signed note
  Checkpoint checkpoint;   // its parsed body
};

struct InclusionResult {
  uint64_t seq = 0;
  uint64_t tree_size = 0;
  Hash leaf_hash{};
  std::vector<Hash> path;
  VerifiedCheckpoint checkpoint;
};

struct ConsistencyResult {
  uint64_t old_size = 0;
  uint64_t new_size = 0;
  std::vector<Hash> path;
  std::optional<VerifiedCheckpoint> old_checkpoint;   // when the server made one at old_size
  VerifiedCheckpoint new_checkpoint;
};

struct ProvenEvent {
  uint64_t seq = 0;
  std::string leaf;        // leaf bytes (canonical Envelope)
  InclusionResult proof;   // proof.leaf_hash == HashLeaf(leaf)
};

// A household's complete history: a verified hash chain that ends at the
// head the checkpoint commits to (heads map, docs/formats.md §7), with as
// many events as the head counts. Anything less is INCOMPLETE_HISTORY.
struct VerifiedHistory {
  std::string household;
  std::vector<std::string> leaves;   // in order; a verified hash chain
  std::vector<uint64_t> seqs;
  InclusionResult last_proof;        // of the last leaf
  uint64_t committed_size = 0;       // the checkpoint whose heads map proves it complete
};

// The registry events behind an officer's key, complete: as many
// registration events of the agency and of the officer as their committed
// heads count, the last of each being its head.
struct VerifiedRegistry {
  std::vector<ProvenEvent> events;   // ascending seq
  uint64_t committed_size = 0;
};

struct HouseholdStatusReply {
  std::string json;
  VerifiedHistory history;
};

class Client {
 public:
  // Connects, says hello and checks the server's key against the pinned one
  // (WRONG_SERVER_KEY).
  static StatusOr<std::unique_ptr<Client>> Connect(ClientOptions options);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  const ServerInfo& server() const;

  // Appends signed events (SignedBody messages, standard framing); outcomes
  // per event, in order. Safe to call again with the same events.
  std::vector<AppendOutcome> Append(const std::vector<std::string>& signed_bodies);
  // Many batches with up to `window` requests in flight on the connection.
  std::vector<std::vector<AppendOutcome>> AppendPipelined(const std::vector<std::vector<std::string>>& batches,
                                                          size_t window = 8);

  // The latest checkpoint (or the one of exactly `tree_size`), verified and
  // consistent with the last one accepted.
  StatusOr<VerifiedCheckpoint> LatestCheckpoint();
  StatusOr<VerifiedCheckpoint> CheckpointAt(uint64_t tree_size);
  // Inclusion proof of `seq` at `tree_size` (0: the latest checkpoint), verified.
  StatusOr<InclusionResult> Prove(uint64_t seq, uint64_t tree_size = 0);
  // Consistency proof between two sizes (new 0: latest), verified against
  // the checkpoints of both sizes when the server has them.
  StatusOr<ConsistencyResult> Consistency(uint64_t old_size, uint64_t new_size = 0);
  StatusOr<ProvenEvent> GetEvent(uint64_t seq);
  StatusOr<ProvenEvent> GetEventByHash(const Hash& leaf_hash);
  StatusOr<VerifiedHistory> History(const std::string& household);
  // The server's projection of the household (JSON, docs/protocol.md) with
  // the verified history it is derived from. The JSON itself is the
  // server's computation; `ledger-replay` can re-derive it offline.
  StatusOr<HouseholdStatusReply> HouseholdStatus(const std::string& household);
  // Area progress as `ledger-replay report --json` (by province, district or
  // subdistrict; `area` filters by code prefix). The server's computation.
  StatusOr<std::string> Report(const std::string& by, const std::string& area = "");
  // The registry events behind an officer's key, each proven
  // (Ledger::RegistrySeqs).
  StatusOr<VerifiedRegistry> Registry(const std::string& agency, const std::string& officer);

  // Streams events from `from_seq`: catches up, then follows live, calling
  // `on_event(seq, leaf)` for each; stops when it returns false (OK) or on
  // an error. Verifies the prevHash chain and proves the last event of each
  // batch against the batch's checkpoint.
  Status Subscribe(uint64_t from_seq, const std::function<bool(uint64_t seq, const std::string& leaf)>& on_event);

  // The last checkpoint accepted (from the state file or this session).
  std::optional<VerifiedCheckpoint> last_checkpoint() const;

  struct Impl;

 private:
  explicit Client(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ledger::net
