// The server's request logic, without networking: turns a decoded Request
// into an encoded Response frame, using the Ledger. The connection code
// (connection.cc) owns sockets, framing, flow control and the asynchronous
// append; everything it answers is built here.
//
//   RequestHandler h(ledger, options, leaf_index);
//   std::string frame = h.Query(identity, request);          // reads
//   auto plan = h.PrepareAppend(identity, request.getAppend());
//   ledger.AppendAsync(plan->bodies, [&](auto outcomes) {
//     send(h.AppendReply(request.getId(), *plan, outcomes));
//   });
//
// Permissions (docs/protocol.md "Roles"): every role reads; `agency`
// appends events whose body.agency is its own; `operator` appends only
// root-signed events (AgencyRegistered, a Correction without officer);
// `inspector` and `mirror` never append.
//
// Thread-safe: const methods only; the ledger, the leaf index and the
// projection cache are thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ledger/ledger.h"
#include "ledger/net/server.h"
#include "leaf_index.h"
#include "projection_cache.h"
#include "schemas/protocol.capnp.h"

namespace ledger::net {

struct Identity {
  protocol::Role role = protocol::Role::INSPECTOR;
  std::string name;     // agency code (role agency) or user name
  bool known = false;   // false until TLS names the peer or (dev mode) Hello does

  // "role/name": what the per-identity limits count by.
  std::string Key() const { return std::to_string(static_cast<int>(role)) + "/" + name; }
};

class RequestHandler {
 public:
  RequestHandler(Ledger& ledger, const ServerOptions& options, LeafIndex& leaf_index, ProjectionCache& projections)
      : ledger_(ledger), options_(options), leaf_index_(leaf_index), projections_(projections) {}

  // The reply to any request but append and subscribe. Errors become Error
  // replies with the request's id; so does an exception (INTERNAL_ERROR).
  std::string Query(const Identity& who, protocol::Request::Reader request) const;

  // Hello: with TLS the certificate decides; a hello that names another
  // identity is refused (IDENTITY_MISMATCH), one with an empty name claims
  // nothing. In dev mode the hello sets the identity. A role that is not
  // an enumerant of protocol::Role is refused (BAD_ROLE).
  StatusOr<Identity> AcceptHello(const Identity& current, protocol::Hello::Reader hello) const;
  std::string HelloReply(uint64_t id, const Identity& who) const;

  struct PreparedAppend {
    size_t count = 0;                   // events in the request
    std::vector<std::string> bodies;    // framed SignedBody messages for the ledger
    std::vector<size_t> positions;      // request index of each body
    std::vector<Status> rejected;       // per request index; OK when submitted
  };
  // A whole-request error (WRONG_ROLE, HELLO_REQUIRED, BATCH_TOO_LARGE), or
  // the plan with per-event refusals (WRONG_AGENCY, NOT_ALLOWED_FOR_ROLE).
  StatusOr<PreparedAppend> PrepareAppend(const Identity& who, protocol::Append::Reader append) const;
  std::string AppendReply(uint64_t id, const PreparedAppend& plan,
                          const std::vector<AppendOutcome>& outcomes) const;

  // Events [from, min(from + max, size)) for a subscription, with the latest
  // checkpoint; `*count` is how many (0 at the head of the log: no frame).
  StatusOr<std::string> EventBatch(uint64_t id, uint64_t from, size_t max, size_t* count) const;

  std::string ErrorReply(uint64_t id, const Status& status, uint32_t retry_after_ms = 0) const;

  // Retry hint for an error reply: pushback and shutdown may be retried.
  uint32_t RetryAfterMs(const Status& status) const;

  // The latest signed checkpoint and its tree size; the note of exactly
  // `size` (NotFound when no group commit ended there). Also used by the
  // HTTP API (http_api.h).
  struct Latest {
    std::string note;
    uint64_t size = 0;
  };
  StatusOr<Latest> LatestCheckpoint() const;
  StatusOr<std::string> CheckpointAt(uint64_t size) const;

 private:
  // Fills an InclusionProof of `seq` at `tree_size` (0: latest checkpoint).
  Status FillInclusion(protocol::InclusionProof::Builder out, uint64_t seq, uint64_t tree_size) const;
  // A page of a household's events up to the heads proof's size (the
  // query's fromSeq and limit, docs/protocol.md §3.2), with both proofs.
  // NotFound (UNKNOWN_HOUSEHOLD) with `*absence` set when it has none.
  Status FillHistory(protocol::HouseholdHistory::Builder out, protocol::HouseholdQuery::Reader query,
                     std::optional<Ledger::HeadEvidence>* absence) const;
  // The heads proof of `evidence` (ledger.h ProveHead).
  Status FillHeads(protocol::HeadsProof::Builder out, const Ledger::HeadEvidence& evidence) const;
  // An Error reply that carries the proof of the entity's absence.
  std::string AbsenceReply(uint64_t id, const Status& status, const Ledger::HeadEvidence& evidence) const;
  Status FillEvent(protocol::EventReply::Builder out, uint64_t seq, bool with_proof) const;

  Ledger& ledger_;
  const ServerOptions& options_;
  LeafIndex& leaf_index_;
  ProjectionCache& projections_;
};

}  // namespace ledger::net
