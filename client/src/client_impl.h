// The client's internal state and its methods (client.h), private to
// the client library:
//   client_session.cc  the connection: hello, frames, one call
//   client_proofs.cc   checking every reply against signed checkpoints
//   client_append.cc   pipelined, retried appends
//   client.cc          the public Client methods
#pragma once

#include <capnp/message.h>
#include <fmt/format.h>
#include <kj/exception.h>

#include <deque>
#include <functional>
#include <map>
#include <random>
#include <set>

#include "ledger/heads.h"
#include "ledger/net/client.h"
#include "ledger/net/protocol_codec.h"
#include "ledger/net/transport.h"
#include "ledger/reasons.h"
#include "trust_state.h"

namespace ledger::net {

inline Status BadReply(std::string_view what) {
  return DataLossError(fmt::format("the server's reply is malformed: {}", what), reason::kBadReply);
}

inline Status BadProof(std::string message) { return DataLossError(std::move(message), reason::kBadProof); }

struct Client::Impl {
  ClientOptions options;
  std::string host;
  uint16_t port = 0;
  std::unique_ptr<Transport> conn;
  uint64_t next_id = 1;
  std::map<uint64_t, std::deque<InboundMessage>> stash;  // replies read while awaiting another id
  std::set<uint64_t> outstanding;
  ServerInfo info;
  TrustState trust;
  std::minstd_rand jitter_rng{static_cast<uint32_t>(std::chrono::steady_clock::now().time_since_epoch().count())};

  // ---------------------------------------------------------------- transport

  void Disconnect();

  Status EnsureConnected();
  // EnsureConnected, retried while the failure is one a restart or a full
  // server explains (UNAVAILABLE, RESOURCE_EXHAUSTED), with RetryDelay
  // between attempts, until options.timeout has passed since `since`.
  Status ConnectRetrying(std::chrono::steady_clock::time_point since);
  // Exponential backoff with jitter: attempt 0 waits 50-100 ms, doubling
  // up to 0.8-1.6 s from attempt 4 on, each wait drawn uniformly from the
  // upper half of its range.
  std::chrono::milliseconds RetryDelay(int attempt);

  Status Hello();

  Status Send(capnp::MallocMessageBuilder& msg, uint64_t id);

  // The next frame for `id`; frames for other outstanding ids are kept.
  StatusOr<InboundMessage> Await(uint64_t id);

  // One request, one reply; reconnects and resends once when the connection
  // broke (queries are idempotent). `fill` builds the request body.
  template <typename Fill>
  StatusOr<InboundMessage> Call(Fill fill) {
    Status last;
    const auto start = std::chrono::steady_clock::now();
    for (int attempt = 0; attempt < 2; ++attempt) {
      RETURN_IF_ERROR(ConnectRetrying(start));
      capnp::MallocMessageBuilder msg;
      auto req = msg.initRoot<protocol::Request>();
      const uint64_t id = next_id++;
      req.setId(id);
      fill(req);
      last = Send(msg, id);
      if (!last.ok()) continue;
      auto reply = Await(id);
      outstanding.erase(id);
      if (reply.ok()) return reply;
      last = reply.status();
      if (last.code() != StatusCode::kUnavailable) return last;
    }
    return last;
  }

  // ---------------------------------------------------------------- verification

  StatusOr<std::vector<Hash>> RawConsistency(uint64_t old_size, uint64_t new_size);

  // Signature, origin, and consistency with the last accepted checkpoint.
  // Older than that one only when the caller asked for that size
  // (`explicit_size`); else STALE_CHECKPOINT.
  StatusOr<VerifiedCheckpoint> Accept(const std::string& note, bool explicit_size = false);

  StatusOr<InclusionResult> ReadInclusion(protocol::InclusionProof::Reader p, bool explicit_size = false);

  // An event and its proof; the leaf hash is computed here.
  StatusOr<ProvenEvent> ReadEvent(protocol::EventReply::Reader e, std::optional<uint64_t> want_seq);

  // What the log commits to about `entity` (docs/formats.md §7): its head
  // at the proof's checkpoint (nullopt: proven absent), and that size.
  struct CommittedHead {
    std::optional<heads::Head> head;
    uint64_t size = 0;
  };
  StatusOr<CommittedHead> ReadHeads(protocol::HeadsProof::Reader h, const heads::EntityId& entity);

  // A household's events: a hash chain that ends at the committed head and
  // has as many events as it counts.
  StatusOr<VerifiedHistory> ReadHistory(protocol::HouseholdHistory::Reader h, const std::string& household);

  // A "not found" from the server counts only with a proof: for an entity,
  // its absence from the heads map of a verified, not stale checkpoint.
  Status CheckAbsence(protocol::Error::Reader e, const heads::EntityId& entity);

  // `absent(error)`: the entity whose absence a NotFound error claims, if any.
  using AbsentEntity = std::function<std::optional<heads::EntityId>(const Status& error)>;
  template <typename Fill, typename Read>
  auto Query(Fill fill, Read read, const AbsentEntity& absent = nullptr)
      -> decltype(read(std::declval<protocol::Response::Reader>())) {
    ASSIGN_OR_RETURN(InboundMessage reply, Call(fill));
    try {
      auto r = reply.Root<protocol::Response>();
      if (r.isError()) {
        Status s = ErrorStatus(r.getError());
        if (absent && s.code() == StatusCode::kNotFound) {
          if (auto entity = absent(s)) return CheckAbsence(r.getError(), *entity);
        }
        return s;
      }
      return read(r);
    } catch (const kj::Exception& e) {
      return BadReply(e.getDescription().cStr());
    }
  }

  // ---------------------------------------------------------------- appends

  struct Batch {
    const std::vector<std::string>* bodies;
    std::vector<AppendOutcome>* out;
    std::vector<size_t> todo;  // positions still without a final outcome
    int attempts = 0;
  };

  // Sends the unresolved events of `b` as one request.
  StatusOr<uint64_t> SendBatch(Batch& b);

  // Applies a reply; returns the longest retry-after asked for (0: none).
  uint32_t ApplyReply(Batch& b, InboundMessage& reply);

  std::vector<std::vector<AppendOutcome>> AppendPipelined(const std::vector<std::vector<std::string>>& batches,
                                                          size_t window);
};

}  // namespace ledger::net
