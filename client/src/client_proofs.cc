// The client's checks of replies (client_impl.h): checkpoints accepted only
// when signed and consistent with the last one, inclusion and heads proofs,
// histories as hash chains ending at the committed head.
#include "ledger/event.h"
#include "ledger/merkle.h"

#include "client_impl.h"

namespace ledger::net {

StatusOr<std::vector<Hash>> Client::Impl::RawConsistency(uint64_t old_size, uint64_t new_size) {
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

StatusOr<VerifiedCheckpoint> Client::Impl::Accept(const std::string& note, bool explicit_size) {
  ASSIGN_OR_RETURN(VerifiedCheckpoint c, trust.Open(note));
  RETURN_IF_ERROR(trust.Accept(
      c, [this](uint64_t a, uint64_t b) { return RawConsistency(a, b); }, explicit_size));
  return c;
}

StatusOr<InclusionResult> Client::Impl::ReadInclusion(protocol::InclusionProof::Reader p, bool explicit_size) {
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
  if (Status s =
          merkle::VerifyInclusion(out.seq, out.tree_size, out.leaf_hash, out.path, out.checkpoint.checkpoint.root);
      !s.ok()) {
    return BadProof(fmt::format("inclusion proof of seq {} in tree size {} does not verify: {}", out.seq, out.tree_size,
                                s.message()));
  }
  return out;
}

StatusOr<ProvenEvent> Client::Impl::ReadEvent(protocol::EventReply::Reader e, std::optional<uint64_t> want_seq) {
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

StatusOr<Client::Impl::CommittedHead> Client::Impl::ReadHeads(protocol::HeadsProof::Reader h,
                                                              const heads::EntityId& entity) {
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

StatusOr<VerifiedHistory> Client::Impl::ReadHistory(protocol::HouseholdHistory::Reader h,
                                                    const std::string& household) {
  VerifiedHistory out;
  out.household = household;
  std::optional<std::pair<uint64_t, Hash>> prev;
  for (auto leaf : h.getLeaves()) {
    std::string bytes = DataString(leaf);
    auto e = DecodeEvent(bytes);
    if (!e.ok()) return DataLossError("history event: " + e.status().message(), reason::kBadEvent);
    if (e->household != household) {
      return DataLossError(fmt::format("history of {} holds event {} of household {}", household, e->seq, e->household),
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
                                     "commits to none",
                                     out.seqs.size(), household, committed.size),
                         reason::kIncompleteHistory);
  }
  if (!prev || prev->first != committed.head->seq || prev->second != committed.head->leaf_hash) {
    return DataLossError(
        fmt::format("the history of household {} ends at event {}, but its committed head at size {} is event {}",
                    household, prev ? std::to_string(prev->first) : "none", committed.size, committed.head->seq),
        reason::kIncompleteHistory);
  }
  if (committed.head->count != out.seqs.size()) {
    return DataLossError(fmt::format("the server shows {} events of household {}, the log commits to {}",
                                     out.seqs.size(), household, committed.head->count),
                         reason::kIncompleteHistory);
  }
  if (!h.hasProof()) return BadProof("the history came without a proof of its last event");
  ASSIGN_OR_RETURN(out.last_proof, ReadInclusion(h.getProof()));
  if (out.last_proof.seq != prev->first || out.last_proof.leaf_hash != prev->second) {
    return BadProof("the history's proof is not of its last event");
  }
  return out;
}

Status Client::Impl::CheckAbsence(protocol::Error::Reader e, const heads::EntityId& entity) {
  Status claimed = ErrorStatus(e);
  if (!e.hasAbsence()) {
    return DataLossError(fmt::format("the server says {} does not exist ({}), without a proof", heads::Describe(entity),
                                     claimed.message()),
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

}  // namespace ledger::net
