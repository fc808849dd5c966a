#include "ledger/net/client.h"

#include <capnp/message.h>
#include <fmt/format.h>
#include <kj/exception.h>

#include <algorithm>
#include <deque>
#include <functional>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "ledger/event.h"
#include "ledger/heads.h"
#include "ledger/merkle.h"
#include "ledger/net/host_port.h"
#include "ledger/net/protocol_codec.h"
#include "ledger/net/transport.h"
#include "ledger/reasons.h"
#include "history_pages.h"
#include "trust_state.h"

namespace ledger::net {
namespace {

Status BadReply(std::string_view what) {
  return DataLossError(fmt::format("the server's reply is malformed: {}", what), reason::kBadReply);
}

Status BadProof(std::string message) { return DataLossError(std::move(message), reason::kBadProof); }

}  // namespace

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

  void Disconnect() {
    if (conn) conn->Close();
    conn.reset();
    stash.clear();
    outstanding.clear();
  }

  Status EnsureConnected() {
    if (conn && conn->is_open()) return OkStatus();
    Disconnect();
    TransportOptions t;
    t.host = host;
    t.port = port;
    t.dev_insecure = options.dev_insecure;
    t.cert = options.tls.cert;
    t.key = options.tls.key;
    t.ca = options.tls.ca;
    t.server_name = options.server_name;
    t.connect_timeout = options.connect_timeout;
    t.io_timeout = options.timeout;
    ASSIGN_OR_RETURN(conn, Transport::Connect(t));
    Status s = Hello();
    if (!s.ok()) Disconnect();
    return s;
  }

  Status Hello() {
    capnp::MallocMessageBuilder msg;
    auto req = msg.initRoot<protocol::Request>();
    const uint64_t id = next_id++;
    req.setId(id);
    auto hello = req.initHello();
    hello.setVersion(protocol::PROTOCOL_VERSION);
    hello.setClient("ledger-client/0.1");
    if (options.dev_insecure) {
      ASSIGN_OR_RETURN(protocol::Role role, RoleFromName(options.dev_role));
      hello.setRole(role);
      hello.setAgency(options.dev_name);
    }
    RETURN_IF_ERROR(Send(msg, id));
    ASSIGN_OR_RETURN(InboundMessage reply, Await(id));
    try {
      auto r = reply.Root<protocol::Response>();
      if (r.isError()) return ErrorStatus(r.getError());
      if (!r.isHello()) return BadReply("expected a hello");
      auto h = r.getHello();
      info.origin = TextString(h.getOrigin());
      info.verifier_key = TextString(h.getVerifierKey());
      info.tree_size = h.getTreeSize();
      info.role = std::string(RoleName(h.getRole()));
      info.name = TextString(h.getAgency());
    } catch (const kj::Exception& e) {
      return BadReply(e.getDescription().cStr());
    }
    return trust.CheckServerKey(info.verifier_key, info.origin);
  }

  Status Send(capnp::MallocMessageBuilder& msg, uint64_t id) {
    Status s = conn->Write(EncodeFrame(msg));
    if (!s.ok()) {
      Disconnect();
      return s;
    }
    outstanding.insert(id);
    return OkStatus();
  }

  // The next frame for `id`; frames for other outstanding ids are kept.
  StatusOr<InboundMessage> Await(uint64_t id) {
    while (true) {
      if (auto it = stash.find(id); it != stash.end() && !it->second.empty()) {
        InboundMessage m = std::move(it->second.front());
        it->second.pop_front();
        if (it->second.empty()) stash.erase(it);
        return m;
      }
      if (!conn) return UnavailableError("not connected", reason::kConnectionClosed);
      auto frame = conn->ReadFrame(options.limits);
      if (!frame.ok()) {
        Disconnect();
        return frame.status();
      }
      uint64_t got = 0;
      try {
        got = frame->Root<protocol::Response>().getId();
      } catch (const kj::Exception& e) {
        Disconnect();
        return BadReply(e.getDescription().cStr());
      }
      if (got == id) return std::move(*frame);
      if (got == 0) {
        // A connection-level error (bad frame, timeout): the server closes.
        Status s = BadReply("connection error");
        try {
          auto r = frame->Root<protocol::Response>();
          if (r.isError()) s = ErrorStatus(r.getError());
        } catch (const kj::Exception&) {
        }
        Disconnect();
        return s;
      }
      if (outstanding.count(got)) stash[got].push_back(std::move(*frame));
    }
  }

  // One request, one reply; reconnects and resends once when the connection
  // broke (queries are idempotent). `fill` builds the request body.
  template <typename Fill>
  StatusOr<InboundMessage> Call(Fill fill) {
    Status last;
    for (int attempt = 0; attempt < 2; ++attempt) {
      RETURN_IF_ERROR(EnsureConnected());
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

  StatusOr<std::vector<Hash>> RawConsistency(uint64_t old_size, uint64_t new_size) {
    ASSIGN_OR_RETURN(InboundMessage reply, Call([&](protocol::Request::Builder r) {
                       auto q = r.initConsistencyProof();
                       q.setOldSize(old_size);
                       q.setNewSize(new_size);
                     }));
    try {
      auto r = reply.Root<protocol::Response>();
      if (r.isError()) return ErrorStatus(r.getError());
      if (!r.isConsistencyProof()) return BadReply("expected a consistency proof");
      return HashesFromList(r.getConsistencyProof().getPath(), "consistencyProof.path");
    } catch (const kj::Exception& e) {
      return BadReply(e.getDescription().cStr());
    }
  }

  // Signature, origin, and consistency with the last accepted checkpoint.
  // Older than that one only when the caller asked for that size
  // (`explicit_size`); else STALE_CHECKPOINT.
  StatusOr<VerifiedCheckpoint> Accept(const std::string& note, bool explicit_size = false) {
    ASSIGN_OR_RETURN(VerifiedCheckpoint c, trust.Open(note));
    RETURN_IF_ERROR(trust.Accept(
        c, [this](uint64_t a, uint64_t b) { return RawConsistency(a, b); }, explicit_size));
    return c;
  }

  StatusOr<InclusionResult> ReadInclusion(protocol::InclusionProof::Reader p, bool explicit_size = false) {
    InclusionResult out;
    out.seq = p.getSeq();
    out.tree_size = p.getTreeSize();
    ASSIGN_OR_RETURN(out.leaf_hash, HashFromData(p.getLeafHash(), "inclusionProof.leafHash"));
    ASSIGN_OR_RETURN(out.path, HashesFromList(p.getPath(), "inclusionProof.path"));
    ASSIGN_OR_RETURN(out.checkpoint, Accept(TextString(p.getCheckpoint()), explicit_size));
    if (out.checkpoint.checkpoint.size != out.tree_size) {
      return BadProof(fmt::format("proof for tree size {} comes with a checkpoint of size {}", out.tree_size,
                                  out.checkpoint.checkpoint.size));
    }
    if (Status s = merkle::VerifyInclusion(out.seq, out.tree_size, out.leaf_hash, out.path,
                                           out.checkpoint.checkpoint.root);
        !s.ok()) {
      return BadProof(fmt::format("inclusion proof of seq {} in tree size {} does not verify: {}", out.seq,
                                  out.tree_size, s.message()));
    }
    return out;
  }

  // An event and its proof; the leaf hash is computed here.
  StatusOr<ProvenEvent> ReadEvent(protocol::EventReply::Reader e, std::optional<uint64_t> want_seq) {
    ProvenEvent out;
    out.seq = e.getSeq();
    out.leaf = DataString(e.getLeaf());
    if (want_seq && out.seq != *want_seq) {
      return DataLossError(fmt::format("asked for event {}, got {}", *want_seq, out.seq), reason::kBadEvent);
    }
    auto info = DecodeEvent(out.leaf);
    if (!info.ok()) return DataLossError("event bytes: " + info.status().message(), reason::kBadEvent);
    if (info->seq != out.seq) {
      return DataLossError(fmt::format("event {} carries seq {} inside", out.seq, info->seq), reason::kBadEvent);
    }
    if (!e.hasProof()) return BadProof(fmt::format("event {} came without its inclusion proof", out.seq));
    ASSIGN_OR_RETURN(out.proof, ReadInclusion(e.getProof()));
    if (out.proof.seq != out.seq || out.proof.leaf_hash != merkle::HashLeaf(AsBytes(out.leaf))) {
      return BadProof(fmt::format("the proof of event {} is for other bytes", out.seq));
    }
    return out;
  }

  // What the log commits to about `entity` (docs/formats.md §7): its head
  // at the proof's checkpoint (nullopt: proven absent), and that size.
  struct CommittedHead {
    std::optional<heads::Head> head;
    uint64_t size = 0;
  };
  StatusOr<CommittedHead> ReadHeads(protocol::HeadsProof::Reader h, const heads::EntityId& entity) {
    CommittedHead out;
    out.size = h.getTreeSize();
    const std::string root_leaf = DataString(h.getRootLeaf());
    if (out.size > 0) {
      if (!h.hasRootLeafProof()) return BadProof("the heads proof came without the proof of its root event");
      ASSIGN_OR_RETURN(InclusionResult p, ReadInclusion(h.getRootLeafProof()));
      if (p.tree_size != out.size || p.seq != out.size - 1 || p.leaf_hash != merkle::HashLeaf(AsBytes(root_leaf))) {
        return BadProof(fmt::format("the heads proof's root event is not event {} of the checkpoint of size {}",
                                    out.size - 1, out.size));
      }
    } else if (trust.last() && trust.last()->checkpoint.size > 0) {
      return DataLossError(fmt::format("the server proves {} against the empty log, but this client has verified a "
                                       "checkpoint of size {}",
                                       heads::Describe(entity), trust.last()->checkpoint.size),
                           reason::kStaleCheckpoint);
    }
    ASSIGN_OR_RETURN(out.head, heads::CommittedHead(entity, out.size, root_leaf, DataString(h.getMapProof()),
                                                     DataString(h.getHead())));
    return out;
  }

  // A household's events: a hash chain that ends at the committed head and
  // has as many events as it counts.
  StatusOr<VerifiedHistory> ReadHistory(protocol::HouseholdHistory::Reader h, const std::string& household) {
    VerifiedHistory out;
    out.household = household;
    std::optional<std::pair<uint64_t, Hash>> prev;
    for (auto leaf : h.getLeaves()) {
      std::string bytes = DataString(leaf);
      auto e = DecodeEvent(bytes);
      if (!e.ok()) return DataLossError("history event: " + e.status().message(), reason::kBadEvent);
      if (e->household != household) {
        return DataLossError(fmt::format("history of {} holds event {} of household {}", household, e->seq,
                                         e->household),
                             reason::kBadEvent);
      }
      const bool linked = prev ? (e->household_prev_seq == prev->first && e->household_prev_hash == prev->second)
                               : !e->household_prev_seq.has_value();
      if (!linked) {
        return DataLossError(
            fmt::format("household chain broken at event {}: its link does not name the event before it", e->seq),
            reason::kIncompleteHistory);
      }
      prev.emplace(e->seq, merkle::HashLeaf(AsBytes(bytes)));
      out.seqs.push_back(e->seq);
      out.leaves.push_back(std::move(bytes));
    }
    if (!h.hasHeads()) {
      return DataLossError(fmt::format("the history of {} came without the proof of its committed head", household),
                           reason::kIncompleteHistory);
    }
    ASSIGN_OR_RETURN(CommittedHead committed, ReadHeads(h.getHeads(), {heads::EntityKind::kHousehold, household}));
    out.committed_size = committed.size;
    if (!committed.head) {
      return DataLossError(fmt::format("the server shows {} events of household {}, but the checkpoint of size {} "
                                       "commits to none", out.seqs.size(), household, committed.size),
                           reason::kIncompleteHistory);
    }
    if (!prev || prev->first != committed.head->seq || prev->second != committed.head->leaf_hash) {
      return DataLossError(
          fmt::format("the history of household {} ends at event {}, but its committed head at size {} is event {}", household, prev ? std::to_string(prev->first) : "none", committed.size,
                      committed.head->seq),
          reason::kIncompleteHistory);
    }
    if (committed.head->count != out.seqs.size()) {
      return DataLossError(fmt::format("the server shows {} events of household {}, the log commits to {}", out.seqs.size(), household, committed.head->count),
                           reason::kIncompleteHistory);
    }
    if (!h.hasProof()) return BadProof("the history came without a proof of its last event");
    ASSIGN_OR_RETURN(out.last_proof, ReadInclusion(h.getProof()));
    if (out.last_proof.seq != prev->first || out.last_proof.leaf_hash != prev->second) {
      return BadProof("the history's proof is not of its last event");
    }
    return out;
  }

  // A "not found" from the server counts only with a proof: for an entity,
  // its absence from the heads map of a verified, not stale checkpoint.
  Status CheckAbsence(protocol::Error::Reader e, const heads::EntityId& entity) {
    Status claimed = ErrorStatus(e);
    if (!e.hasAbsence()) {
      return DataLossError(fmt::format("the server says {} does not exist ({}), without a proof", heads::Describe(entity), claimed.message()),
                           reason::kUnprovenAbsence);
    }
    auto committed = ReadHeads(e.getAbsence(), entity);
    if (!committed.ok() && committed.status().reason() == reason::kStaleCheckpoint) return committed.status();
    if (!committed.ok() || committed->head) {
      return DataLossError(fmt::format("the server says {} does not exist, but its proof {}", heads::Describe(entity),
                                       committed.ok() ? fmt::format("shows a head at event {}", committed->head->seq)
                                                      : "fails: " + committed.status().message()),
                           reason::kUnprovenAbsence);
    }
    return Status(claimed.code(),
                  fmt::format("{} (absence proven in the checkpoint of size {})", claimed.message(), committed->size),
                  claimed.reason());
  }

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
    std::vector<size_t> todo;   // positions still without a final outcome
    int attempts = 0;
  };

  // Sends the unresolved events of `b` as one request.
  StatusOr<uint64_t> SendBatch(Batch& b) {
    capnp::MallocMessageBuilder msg;
    auto req = msg.initRoot<protocol::Request>();
    const uint64_t id = next_id++;
    req.setId(id);
    auto list = req.initAppend().initEvents(b.todo.size());
    for (size_t k = 0; k < b.todo.size(); ++k) {
      auto parsed = InboundMessage::Parse(AsBytes((*b.bodies)[b.todo[k]]), options.limits);
      if (!parsed.ok()) return parsed.status();
      list.setWithCaveats(k, parsed->Root<schema::SignedBody>());
    }
    RETURN_IF_ERROR(Send(msg, id));
    return id;
  }

  // Applies a reply; returns the longest retry-after asked for (0: none).
  uint32_t ApplyReply(Batch& b, InboundMessage& reply) {
    std::vector<size_t> retry;
    uint32_t wait_ms = 0;
    auto fail_all = [&](const Status& s) {
      for (size_t pos : b.todo) (*b.out)[pos] = AppendOutcome(s);
    };
    try {
      auto r = reply.Root<protocol::Response>();
      if (r.isError()) {
        auto e = r.getError();
        if (e.getRetryAfterMs() > 0) {
          wait_ms = e.getRetryAfterMs();
          retry = b.todo;
          fail_all(ErrorStatus(e));
        } else {
          fail_all(ErrorStatus(e));
        }
      } else if (!r.isAppend() || r.getAppend().getResults().size() != b.todo.size()) {
        fail_all(BadReply("append reply does not match the request"));
      } else {
        auto results = r.getAppend().getResults();
        for (size_t k = 0; k < b.todo.size(); ++k) {
          const size_t pos = b.todo[k];
          auto res = results[k];
          if (res.isOk()) {
            auto ok = res.getOk();
            auto h = HashFromData(ok.getLeafHash(), "appended.leafHash");
            if (!h.ok()) {
              (*b.out)[pos] = AppendOutcome(h.status());
              continue;
            }
            (*b.out)[pos] = AppendResult{ok.getSeq(), *h, ok.getDuplicate()};
          } else {
            auto e = res.getError();
            (*b.out)[pos] = AppendOutcome(ErrorStatus(e));
            if (e.getRetryAfterMs() > 0) {
              retry.push_back(pos);
              wait_ms = std::max(wait_ms, e.getRetryAfterMs());
            }
          }
        }
      }
    } catch (const kj::Exception& e) {
      fail_all(BadReply(e.getDescription().cStr()));
    }
    b.todo = std::move(retry);
    return wait_ms;
  }

  std::vector<std::vector<AppendOutcome>> AppendPipelined(const std::vector<std::vector<std::string>>& batches,
                                                          size_t window) {
    window = std::max<size_t>(window, 1);
    std::vector<std::vector<AppendOutcome>> out(batches.size());
    std::vector<Batch> state(batches.size());
    std::deque<size_t> ready;
    for (size_t i = 0; i < batches.size(); ++i) {
      out[i].assign(batches[i].size(), AppendOutcome(UnavailableError("not sent", reason::kNotSent)));
      state[i] = Batch{&batches[i], &out[i], {}, 0};
      for (size_t k = 0; k < batches[i].size(); ++k) state[i].todo.push_back(k);
      if (!batches[i].empty()) ready.push_back(i);
    }
    std::map<uint64_t, size_t> inflight;   // request id -> batch
    auto give_up = [&](size_t i, const Status& s) {
      for (size_t pos : state[i].todo) out[i][pos] = AppendOutcome(s);
      state[i].todo.clear();
    };
    auto backoff = [](int attempt) {
      return std::chrono::milliseconds(std::min(2000, 50 << std::min(attempt, 6)));
    };
    int connect_failures = 0;
    while (!ready.empty() || !inflight.empty()) {
      if (Status s = EnsureConnected(); !s.ok()) {
        // Every batch waiting counts one attempt.
        for (auto& [id, i] : inflight) ready.push_front(i);
        inflight.clear();
        if (++connect_failures >= options.max_attempts || s.code() != StatusCode::kUnavailable) {
          for (size_t i : ready) give_up(i, s);
          break;
        }
        std::this_thread::sleep_for(backoff(connect_failures));
        continue;
      }
      connect_failures = 0;
      bool broken = false;
      while (!broken && inflight.size() < window && !ready.empty()) {
        size_t i = ready.front();
        ready.pop_front();
        if (state[i].attempts++ >= options.max_attempts) {
          state[i].todo.clear();  // each event keeps its last outcome
          continue;
        }
        auto id = SendBatch(state[i]);
        if (!id.ok()) {
          if (id.status().code() == StatusCode::kUnavailable) {
            ready.push_front(i);
            broken = true;
          } else {
            give_up(i, id.status());
          }
          continue;
        }
        inflight[*id] = i;
      }
      if (broken || inflight.empty()) {
        for (auto& [id, i] : inflight) ready.push_front(i);
        inflight.clear();
        continue;
      }
      // Wait for any reply.
      auto frame = conn->ReadFrame(options.limits);
      if (!frame.ok()) {
        Disconnect();
        for (auto& [id, i] : inflight) ready.push_front(i);
        inflight.clear();
        continue;
      }
      uint64_t id = 0;
      try {
        id = frame->Root<protocol::Response>().getId();
      } catch (const kj::Exception&) {
        Disconnect();
        continue;
      }
      auto it = inflight.find(id);
      if (it == inflight.end()) {
        if (id == 0) {
          Disconnect();  // connection-level error: resend what was in flight
          for (auto& [rid, i] : inflight) ready.push_front(i);
          inflight.clear();
        }
        continue;
      }
      size_t i = it->second;
      inflight.erase(it);
      outstanding.erase(id);
      uint32_t wait_ms = ApplyReply(state[i], *frame);
      if (!state[i].todo.empty()) {
        // The server's retry-after, doubled with each attempt of this batch
        // (capped), plus jitter so that pushed-back clients spread out.
        const uint64_t base = uint64_t{wait_ms} << std::min(state[i].attempts - 1, 6);
        const uint64_t jitter = wait_ms > 0 ? jitter_rng() % wait_ms : 0;
        std::this_thread::sleep_for(std::chrono::milliseconds(std::min<uint64_t>(base + jitter, 5000)));
        ready.push_back(i);
      }
    }
    return out;
  }
};

// ---------------------------------------------------------------- Client

Client::Client(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Client::~Client() {
  if (impl_) impl_->Disconnect();
}

StatusOr<std::unique_ptr<Client>> Client::Connect(ClientOptions options) {
  auto impl = std::make_unique<Impl>();
  RETURN_IF_ERROR(SplitHostPort(options.server, &impl->host, &impl->port));
  ASSIGN_OR_RETURN(impl->trust, TrustState::Load(options.state_file, options.server_vkey,
                                                 options.trust_on_first_use));
  impl->options = std::move(options);
  RETURN_IF_ERROR(impl->EnsureConnected());
  return std::unique_ptr<Client>(new Client(std::move(impl)));
}

const ServerInfo& Client::server() const { return impl_->info; }

std::optional<VerifiedCheckpoint> Client::last_checkpoint() const { return impl_->trust.last(); }

std::vector<AppendOutcome> Client::Append(const std::vector<std::string>& signed_bodies) {
  return impl_->AppendPipelined({signed_bodies}, 1)[0];
}

std::vector<std::vector<AppendOutcome>> Client::AppendPipelined(const std::vector<std::vector<std::string>>& batches,
                                                                size_t window) {
  return impl_->AppendPipelined(batches, window);
}

StatusOr<VerifiedCheckpoint> Client::LatestCheckpoint() { return CheckpointAt(0); }

StatusOr<VerifiedCheckpoint> Client::CheckpointAt(uint64_t tree_size) {
  Impl& d = *impl_;
  return d.Query([&](protocol::Request::Builder r) { r.initCheckpoint().setTreeSize(tree_size); },
                 [&](protocol::Response::Reader r) -> StatusOr<VerifiedCheckpoint> {
                   if (!r.isCheckpoint()) return BadReply("expected a checkpoint");
                   ASSIGN_OR_RETURN(VerifiedCheckpoint c, d.Accept(TextString(r.getCheckpoint()), tree_size != 0));
                   if (tree_size != 0 && c.checkpoint.size != tree_size) {
                     return BadProof(fmt::format("asked for the checkpoint of size {}, got size {}", tree_size,
                                                 c.checkpoint.size));
                   }
                   return c;
                 });
}

StatusOr<InclusionResult> Client::Prove(uint64_t seq, uint64_t tree_size) {
  Impl& d = *impl_;
  return d.Query(
      [&](protocol::Request::Builder r) {
        auto q = r.initInclusionProof();
        q.setSeq(seq);
        q.setTreeSize(tree_size);
      },
      [&](protocol::Response::Reader r) -> StatusOr<InclusionResult> {
        if (!r.isInclusionProof()) return BadReply("expected an inclusion proof");
        ASSIGN_OR_RETURN(InclusionResult p, d.ReadInclusion(r.getInclusionProof(), tree_size != 0));
        if (p.seq != seq || (tree_size != 0 && p.tree_size != tree_size)) {
          return BadProof(fmt::format("asked to prove seq {} at size {}, got seq {} at size {}", seq, tree_size,
                                      p.seq, p.tree_size));
        }
        return p;
      });
}

StatusOr<ConsistencyResult> Client::Consistency(uint64_t old_size, uint64_t new_size) {
  Impl& d = *impl_;
  return d.Query(
      [&](protocol::Request::Builder r) {
        auto q = r.initConsistencyProof();
        q.setOldSize(old_size);
        q.setNewSize(new_size);
      },
      [&](protocol::Response::Reader r) -> StatusOr<ConsistencyResult> {
        if (!r.isConsistencyProof()) return BadReply("expected a consistency proof");
        auto p = r.getConsistencyProof();
        ConsistencyResult out;
        out.old_size = p.getOldSize();
        out.new_size = p.getNewSize();
        if (out.old_size != old_size || (new_size != 0 && out.new_size != new_size)) {
          return BadProof("the consistency proof is for other sizes");
        }
        ASSIGN_OR_RETURN(out.path, HashesFromList(p.getPath(), "consistencyProof.path"));
        ASSIGN_OR_RETURN(out.new_checkpoint, d.Accept(TextString(p.getNewCheckpoint()), new_size != 0));
        if (out.new_checkpoint.checkpoint.size != out.new_size) {
          return BadProof("the new checkpoint's size is not the proof's new size");
        }
        if (p.getOldCheckpoint().size() > 0) {
          ASSIGN_OR_RETURN(VerifiedCheckpoint old, d.Accept(TextString(p.getOldCheckpoint()), /*explicit_size=*/true));
          if (old.checkpoint.size != out.old_size) return BadProof("the old checkpoint's size is not the proof's");
          if (Status s = merkle::VerifyConsistency(out.old_size, out.new_size, out.path, old.checkpoint.root,
                                                   out.new_checkpoint.checkpoint.root);
              !s.ok()) {
            return BadProof(fmt::format("consistency proof {} -> {} does not verify: {}", out.old_size,
                                        out.new_size, s.message()));
          }
          out.old_checkpoint = std::move(old);
        }
        return out;
      });
}

StatusOr<ProvenEvent> Client::GetEvent(uint64_t seq) {
  Impl& d = *impl_;
  auto e = d.Query(
      [&](protocol::Request::Builder r) {
        auto q = r.initGetEvent();
        q.setSeq(seq);
        q.setWithProof(true);
      },
      [&](protocol::Response::Reader r) -> StatusOr<ProvenEvent> {
        if (!r.isEvent()) return BadReply("expected an event");
        return d.ReadEvent(r.getEvent(), seq);
      });
  if (e.ok() || e.status().reason() != reason::kNoSuchEvent) return e;
  // Only a verified checkpoint no larger than `seq`, not older than this
  // client's newest, proves that event `seq` does not exist.
  auto latest = LatestCheckpoint();
  if (!latest.ok()) {
    return DataLossError(fmt::format("the server says event {} does not exist, and gives no checkpoint that "
                                     "proves it: {}", seq, latest.status().message()),
                         reason::kUnprovenAbsence);
  }
  if (latest->checkpoint.size > seq) {
    return DataLossError(fmt::format("the server says event {} does not exist, but its checkpoint holds {} events", seq, latest->checkpoint.size),
                         reason::kUnprovenAbsence);
  }
  return NotFoundError(fmt::format("event {} does not exist: the log has {} events (checkpoint verified)", seq,
                                   latest->checkpoint.size),
                       reason::kNoSuchEvent);
}

StatusOr<ProvenEvent> Client::GetEventByHash(const Hash& leaf_hash) {
  Impl& d = *impl_;
  return d.Query(
      [&](protocol::Request::Builder r) {
        auto q = r.initGetEvent();
        q.setLeafHash(AsData(leaf_hash));
        q.setWithProof(true);
      },
      [&](protocol::Response::Reader r) -> StatusOr<ProvenEvent> {
        if (!r.isEvent()) return BadReply("expected an event");
        ASSIGN_OR_RETURN(ProvenEvent e, d.ReadEvent(r.getEvent(), std::nullopt));
        if (e.proof.leaf_hash != leaf_hash) {
          return DataLossError(fmt::format("asked for leaf hash {}, got {}", ToHex(leaf_hash),
                                           ToHex(e.proof.leaf_hash)),
                               reason::kBadEvent);
        }
        return e;
      });
}

namespace {
std::function<std::optional<heads::EntityId>(const Status&)> AbsentHousehold(const std::string& household) {
  return [household](const Status& s) -> std::optional<heads::EntityId> {
    if (s.reason() != reason::kUnknownHousehold) return std::nullopt;
    return heads::EntityId{heads::EntityKind::kHousehold, household};
  };
}
}  // namespace

// The pages of a history after the first (docs/protocol.md §3.2), then the
// check of the whole.
namespace {
StatusOr<VerifiedHistory> RestOfHistory(Client::Impl& d, const std::string& household, HistoryPages& pages,
                                        std::optional<uint64_t> from) {
  while (from) {
    ASSIGN_OR_RETURN(from, d.Query(
                               [&](protocol::Request::Builder r) {
                                 auto q = r.initHouseholdHistory();
                                 q.setHousehold(household);
                                 q.setFromSeq(*from);
                               },
                               [&](protocol::Response::Reader r) -> StatusOr<std::optional<uint64_t>> {
                                 if (!r.isHouseholdHistory()) return BadReply("expected a household history");
                                 return pages.Add(r.getHouseholdHistory(), *from);
                               },
                               AbsentHousehold(household)));
  }
  return d.ReadHistory(pages.Combined(), household);
}
}  // namespace

StatusOr<VerifiedHistory> Client::History(const std::string& household) {
  HistoryPages pages(household);
  return RestOfHistory(*impl_, household, pages, 0);
}

StatusOr<HouseholdStatusReply> Client::HouseholdStatus(const std::string& household) {
  Impl& d = *impl_;
  HistoryPages pages(household);
  HouseholdStatusReply out;
  ASSIGN_OR_RETURN(std::optional<uint64_t> next,
                   d.Query([&](protocol::Request::Builder r) { r.initHouseholdStatus().setHousehold(household); },
                           [&](protocol::Response::Reader r) -> StatusOr<std::optional<uint64_t>> {
                             if (!r.isHouseholdStatus()) return BadReply("expected a household status");
                             auto h = r.getHouseholdStatus();
                             out.json = TextString(h.getJson());
                             return pages.Add(h.getHistory(), 0);
                           },
                           AbsentHousehold(household)));
  ASSIGN_OR_RETURN(out.history, RestOfHistory(d, household, pages, next));
  return out;
}

StatusOr<std::string> Client::Report(const std::string& by, const std::string& area) {
  Impl& d = *impl_;
  return d.Query(
      [&](protocol::Request::Builder r) {
        auto q = r.initReport();
        q.setBy(by);
        q.setArea(area);
      },
      [&](protocol::Response::Reader r) -> StatusOr<std::string> {
        if (!r.isReport()) return BadReply("expected a report");
        return TextString(r.getReport());
      });
}

StatusOr<VerifiedRegistry> Client::Registry(const std::string& agency, const std::string& officer) {
  Impl& d = *impl_;
  return d.Query(
      [&](protocol::Request::Builder r) {
        auto q = r.initRegistry();
        q.setAgency(agency);
        q.setOfficer(officer);
      },
      [&](protocol::Response::Reader r) -> StatusOr<VerifiedRegistry> {
        if (!r.isRegistry()) return BadReply("expected registry events");
        auto reply = r.getRegistry();
        VerifiedRegistry out;
        for (auto e : reply.getEvents()) {
          ASSIGN_OR_RETURN(ProvenEvent p, d.ReadEvent(e, std::nullopt));
          out.events.push_back(std::move(p));
        }
        // Complete: for the agency and the officer, as many registration
        // events as the committed head counts, the last being the head.
        std::vector<heads::EntityId> entities = {{heads::EntityKind::kAgency, agency}};
        if (!officer.empty()) entities.push_back({heads::EntityKind::kOfficer, officer});
        for (const auto& entity : entities) {
          const bool is_agency = entity.kind == heads::EntityKind::kAgency;
          if (!(is_agency ? reply.hasAgencyHeads() : reply.hasOfficerHeads())) {
            return DataLossError(fmt::format("the registry events of {} came without the proof of its committed head", heads::Describe(entity)),
                                 reason::kIncompleteHistory);
          }
          ASSIGN_OR_RETURN(Impl::CommittedHead committed,
                           d.ReadHeads(is_agency ? reply.getAgencyHeads() : reply.getOfficerHeads(), entity));
          out.committed_size = committed.size;
          std::vector<const ProvenEvent*> mine;
          for (const ProvenEvent& p : out.events) {
            ASSIGN_OR_RETURN(EventInfo info, DecodeEvent(p.leaf));
            const auto about = heads::EntitiesOf(info);
            if (std::find(about.begin(), about.end(), entity) != about.end()) mine.push_back(&p);
          }
          const uint64_t want = committed.head ? committed.head->count : 0;
          if (mine.size() != want || (committed.head && (mine.back()->seq != committed.head->seq ||
                                                         mine.back()->proof.leaf_hash != committed.head->leaf_hash))) {
            return DataLossError(fmt::format("the server shows {} registry events of {}, the checkpoint of size {} "
                                             "commits to {}{}", mine.size(), heads::Describe(entity),
                                             committed.size, want,
                                             committed.head ? fmt::format(" ending at event {}", committed.head->seq)
                                                            : std::string()),
                                 reason::kIncompleteHistory);
          }
        }
        return out;
      },
      [&](const Status& s) -> std::optional<heads::EntityId> {
        if (s.reason() == reason::kUnknownAgency) return heads::EntityId{heads::EntityKind::kAgency, agency};
        if (s.reason() == reason::kUnknownOfficer) return heads::EntityId{heads::EntityKind::kOfficer, officer};
        return std::nullopt;
      });
}

Status Client::Subscribe(uint64_t from_seq,
                         const std::function<bool(uint64_t seq, const std::string& leaf)>& on_event) {
  Impl& d = *impl_;
  // The chain anchor: the proven leaf hash of the event before `from_seq`.
  Hash prev{};
  if (from_seq > 0) {
    ASSIGN_OR_RETURN(ProvenEvent anchor, GetEvent(from_seq - 1));
    prev = anchor.proof.leaf_hash;
  }
  RETURN_IF_ERROR(d.EnsureConnected());
  capnp::MallocMessageBuilder msg;
  auto req = msg.initRoot<protocol::Request>();
  const uint64_t id = d.next_id++;
  req.setId(id);
  req.initSubscribe().setFromSeq(from_seq);
  RETURN_IF_ERROR(d.Send(msg, id));
  uint64_t next = from_seq;
  while (true) {
    ASSIGN_OR_RETURN(InboundMessage frame, d.Await(id));
    std::vector<std::string> leaves;
    std::string note;
    try {
      auto r = frame.Root<protocol::Response>();
      if (r.isError()) return ErrorStatus(r.getError());
      if (!r.isEvents()) return BadReply("expected an event batch");
      auto b = r.getEvents();
      if (b.getFirstSeq() != next) {
        return DataLossError(fmt::format("subscription skipped from seq {} to {}", next, b.getFirstSeq()),
                             reason::kBadEvent);
      }
      for (auto l : b.getLeaves()) leaves.push_back(DataString(l));
      note = TextString(b.getCheckpoint());
    } catch (const kj::Exception& e) {
      return BadReply(e.getDescription().cStr());
    }
    for (const std::string& leaf : leaves) {
      auto e = DecodeEvent(leaf);
      if (!e.ok()) return DataLossError("subscribed event: " + e.status().message(), reason::kBadEvent);
      if (e->seq != next || e->prev_hash != prev) {
        return DataLossError(fmt::format("subscribed event {} does not chain to the one before", next),
                             reason::kBrokenChain);
      }
      prev = merkle::HashLeaf(AsBytes(leaf));
      ++next;
    }
    if (!leaves.empty()) {
      // Prove the batch's last event against the batch's checkpoint; the
      // chain then covers every event before it.
      ASSIGN_OR_RETURN(VerifiedCheckpoint c, d.Accept(note));
      ASSIGN_OR_RETURN(InclusionResult p, Prove(next - 1, c.checkpoint.size));
      if (p.leaf_hash != prev) return BadProof(fmt::format("subscribed event {} is not the one in the log", next - 1));
    }
    for (size_t k = 0; k < leaves.size(); ++k) {
      if (!on_event(next - leaves.size() + k, leaves[k])) {
        d.Disconnect();  // ends the subscription; the next call reconnects
        return OkStatus();
      }
    }
  }
}

}  // namespace ledger::net
