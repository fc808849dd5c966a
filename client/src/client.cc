// The public Client (client.h): each query built, sent and its reply
// checked through Client::Impl (client_impl.h).
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
#include "client_impl.h"
#include "history_pages.h"

namespace ledger::net {

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
  RETURN_IF_ERROR(impl->ConnectRetrying(std::chrono::steady_clock::now()));
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

// The pages of a history after the first (docs/protocol.md §3.2), then the
// check of the whole.
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
