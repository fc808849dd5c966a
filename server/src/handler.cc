#include "handler.h"

#include <capnp/message.h>
#include <fmt/format.h>
#include <kj/exception.h>
#include <spdlog/spdlog.h>

#include "ledger/merkle.h"
#include "ledger/net/frame.h"
#include "ledger/net/protocol_codec.h"
#include "ledger/note.h"
#include "ledger/reasons.h"
#include "history_page.h"
#include "log_redact.h"

namespace ledger::net {
namespace {

// The checkpoint body of a stored signed note.
StatusOr<Checkpoint> CheckpointOfNote(std::string_view note) {
  auto text = SignedNoteText(note);
  if (!text) return DataLossError("stored checkpoint note has no signature block");
  return ParseCheckpoint(*text);
}

std::string Encode(capnp::MallocMessageBuilder& msg) { return EncodeFrame(msg); }

}  // namespace

uint32_t RequestHandler::RetryAfterMs(const Status& s) const {
  if (s.reason() == reason::kPushback || s.reason() == reason::kShuttingDown) return options_.pushback_retry_ms;
  if (s.reason() == reason::kTooManyConnections || s.reason() == reason::kTooManyIdentityConnections) {
    return options_.connection_retry_ms;
  }
  if (s.reason() == reason::kQueryQueueFull) return options_.query_retry_ms;
  if (s.reason() == reason::kStoreFull || s.reason() == reason::kStoreIo) return options_.store_retry_ms;
  return 0;
}

std::string RequestHandler::ErrorReply(uint64_t id, const Status& status, uint32_t retry_after_ms) const {
  capnp::MallocMessageBuilder msg;
  auto r = msg.initRoot<protocol::Response>();
  r.setId(id);
  SetError(r.initError(), status, retry_after_ms ? retry_after_ms : RetryAfterMs(status));
  return Encode(msg);
}

StatusOr<RequestHandler::Latest> RequestHandler::LatestCheckpoint() const {
  Latest l;
  ASSIGN_OR_RETURN(l.note, ledger_.LatestCheckpoint());
  if (options_.faults.latest_size) {
    ASSIGN_OR_RETURN(Checkpoint real, CheckpointOfNote(l.note));
    if (uint64_t stale = options_.faults.latest_size(real.size); stale != 0) {
      ASSIGN_OR_RETURN(l.note, ledger_.CheckpointAt(stale));
    }
  }
  ASSIGN_OR_RETURN(Checkpoint c, CheckpointOfNote(l.note));
  l.size = c.size;
  if (options_.faults.checkpoint) options_.faults.checkpoint(l.note);
  return l;
}

StatusOr<std::string> RequestHandler::CheckpointAt(uint64_t size) const {
  ASSIGN_OR_RETURN(std::string note, ledger_.CheckpointAt(size));
  if (options_.faults.checkpoint) options_.faults.checkpoint(note);
  return note;
}

Status RequestHandler::FillInclusion(protocol::InclusionProof::Builder out, uint64_t seq, uint64_t tree_size) const {
  std::string note;
  if (tree_size == 0) {
    ASSIGN_OR_RETURN(Latest l, LatestCheckpoint());
    note = std::move(l.note);
    tree_size = l.size;
  } else {
    ASSIGN_OR_RETURN(note, CheckpointAt(tree_size));
  }
  if (seq >= tree_size) {
    return OutOfRangeError(fmt::format("seq {} is not in a tree of size {}", seq, tree_size), reason::kBadIndex);
  }
  ASSIGN_OR_RETURN(Hash leaf_hash, ledger_.LeafHash(seq));
  ASSIGN_OR_RETURN(std::vector<Hash> path, ledger_.InclusionProof(seq, tree_size));
  if (options_.faults.inclusion_path) options_.faults.inclusion_path(path);
  out.setSeq(seq);
  out.setTreeSize(tree_size);
  out.setLeafHash(AsData(leaf_hash));
  SetHashes(out.initPath(path.size()), path);
  out.setCheckpoint(note);
  return OkStatus();
}

Status RequestHandler::FillEvent(protocol::EventReply::Builder out, uint64_t seq, bool with_proof) const {
  ASSIGN_OR_RETURN(std::string leaf, ledger_.LeafBytes(seq));
  if (options_.faults.event_leaf) options_.faults.event_leaf(leaf);
  out.setSeq(seq);
  out.setLeaf(AsData(leaf));
  if (with_proof) RETURN_IF_ERROR(FillInclusion(out.initProof(), seq, 0));
  return OkStatus();
}

Status RequestHandler::FillHeads(protocol::HeadsProof::Builder out, const Ledger::HeadEvidence& evidence) const {
  out.setTreeSize(evidence.tree_size);
  out.setRootLeaf(AsData(evidence.root_leaf));
  out.setMapProof(AsData(evidence.map_proof));
  out.setHead(AsData(evidence.head));
  if (evidence.tree_size == 0) return OkStatus();
  return FillInclusion(out.initRootLeafProof(), evidence.tree_size - 1, evidence.tree_size);
}

std::string RequestHandler::AbsenceReply(uint64_t id, const Status& status, const Ledger::HeadEvidence& evidence) const {
  capnp::MallocMessageBuilder msg;
  auto r = msg.initRoot<protocol::Response>();
  r.setId(id);
  auto e = r.initError();
  SetError(e, status, 0);
  if (Status s = FillHeads(e.initAbsence(), evidence); !s.ok()) return ErrorReply(id, status);
  return Encode(msg);
}

Status RequestHandler::FillHistory(protocol::HouseholdHistory::Builder out, protocol::HouseholdQuery::Reader query,
                                   std::optional<Ledger::HeadEvidence>* absence) const {
  const std::string household = TextString(query.getHousehold());
  if (household.empty()) return InvalidArgumentError("household: must not be empty", reason::kMissingField);
  // The heads proof first: the events shown are those of its checkpoint.
  ASSIGN_OR_RETURN(Ledger::HeadEvidence evidence, ledger_.ProveHead({heads::EntityKind::kHousehold, household}));
  ASSIGN_OR_RETURN(std::vector<uint64_t> seqs, ledger_.HouseholdSeqs(household));
  while (!seqs.empty() && seqs.back() >= evidence.tree_size) seqs.pop_back();
  if (seqs.empty()) {
    *absence = std::move(evidence);
    return NotFoundError(fmt::format("household {} has no events", household), reason::kUnknownHousehold);
  }
  ASSIGN_OR_RETURN(HistoryPage page,
                   ReadHistoryPage(ledger_, seqs, query.getFromSeq(), query.getLimit(),
                                   {options_.history_page_events, options_.history_page_bytes}));
  for (std::string& leaf : page.leaves) {
    if (options_.faults.event_leaf) options_.faults.event_leaf(leaf);
  }
  if (options_.faults.history_leaves) options_.faults.history_leaves(page.leaves);
  if (options_.faults.history_next) options_.faults.history_next(page.next_seq);
  out.setHousehold(household);
  auto list = out.initLeaves(page.leaves.size());
  for (size_t i = 0; i < page.leaves.size(); ++i) list.set(i, AsData(page.leaves[i]));
  out.setNextSeq(page.next_seq);
  RETURN_IF_ERROR(FillHeads(out.initHeads(), evidence));
  if (page.seqs.empty()) return OkStatus();   // fromSeq beyond the last event: no proof
  return FillInclusion(out.initProof(), page.seqs.back(), evidence.tree_size);
}

std::string RequestHandler::Query(const Identity& who, protocol::Request::Reader request) const {
  const uint64_t id = request.getId();
  capnp::MallocMessageBuilder msg;
  auto r = msg.initRoot<protocol::Response>();
  r.setId(id);
  Status s;
  std::optional<Ledger::HeadEvidence> absence;   // with a NotFound of an entity
  try {
    if (options_.faults.forge_error) {
      switch (request.which()) {
        case protocol::Request::GET_EVENT:
        case protocol::Request::HOUSEHOLD_HISTORY:
        case protocol::Request::HOUSEHOLD_STATUS:
        case protocol::Request::REGISTRY:
          if (Status forged = options_.faults.forge_error(); !forged.ok()) return ErrorReply(id, forged);
          break;
        default: break;
      }
    }
    switch (request.which()) {
      case protocol::Request::GET_EVENT: {
        auto q = request.getGetEvent();
        uint64_t seq = 0;
        if (q.isSeq()) {
          seq = q.getSeq();
        } else {
          auto h = HashFromData(q.getLeafHash(), "getEvent.leafHash");
          if (!h.ok()) {
            s = h.status();
            break;
          }
          auto found = leaf_index_.Find(*h);
          if (!found.ok()) {
            s = found.status();
            break;
          }
          seq = *found;
        }
        s = FillEvent(r.initEvent(), seq, q.getWithProof());
        break;
      }
      case protocol::Request::HOUSEHOLD_HISTORY:
        s = FillHistory(r.initHouseholdHistory(), request.getHouseholdHistory(), &absence);
        break;
      case protocol::Request::HOUSEHOLD_STATUS: {
        std::string code = TextString(request.getHouseholdStatus().getHousehold());
        auto out = r.initHouseholdStatus();
        out.setHousehold(code);
        s = FillHistory(out.initHistory(), request.getHouseholdStatus(), &absence);
        if (s.ok()) {
          auto json = projections_.HouseholdJson(code);
          if (json.ok() && options_.faults.status_json) options_.faults.status_json(*json);
          if (json.ok()) out.setJson(*json);
          s = json.status();
        }
        break;
      }
      case protocol::Request::REPORT: {
        auto q = request.getReport();
        if (options_.faults.report_delay) options_.faults.report_delay();
        auto json = projections_.ReportJson(TextString(q.getBy()), TextString(q.getArea()));
        if (json.ok()) r.setReport(*json);
        s = json.status();
        break;
      }
      case protocol::Request::INCLUSION_PROOF: {
        auto q = request.getInclusionProof();
        s = FillInclusion(r.initInclusionProof(), q.getSeq(), q.getTreeSize());
        break;
      }
      case protocol::Request::CONSISTENCY_PROOF: {
        auto q = request.getConsistencyProof();
        uint64_t new_size = q.getNewSize();
        std::string new_note;
        if (new_size == 0) {
          auto l = LatestCheckpoint();
          if (!l.ok()) {
            s = l.status();
            break;
          }
          new_size = l->size;
          new_note = std::move(l->note);
        } else {
          auto n = CheckpointAt(new_size);
          if (!n.ok()) {
            s = n.status();
            break;
          }
          new_note = std::move(*n);
        }
        auto path = ledger_.ConsistencyProof(q.getOldSize(), new_size);
        if (!path.ok()) {
          s = path.status();
          break;
        }
        if (options_.faults.consistency_path) options_.faults.consistency_path(*path);
        auto out = r.initConsistencyProof();
        out.setOldSize(q.getOldSize());
        out.setNewSize(new_size);
        SetHashes(out.initPath(path->size()), *path);
        if (auto old_note = CheckpointAt(q.getOldSize()); old_note.ok()) out.setOldCheckpoint(*old_note);
        out.setNewCheckpoint(new_note);
        break;
      }
      case protocol::Request::CHECKPOINT: {
        uint64_t size = request.getCheckpoint().getTreeSize();
        if (size == 0) {
          auto l = LatestCheckpoint();
          if (l.ok()) r.setCheckpoint(l->note);
          s = l.status();
        } else {
          auto n = CheckpointAt(size);
          if (n.ok()) r.setCheckpoint(*n);
          s = n.status();
        }
        break;
      }
      case protocol::Request::REGISTRY: {
        auto q = request.getRegistry();
        const std::string agency = TextString(q.getAgency());
        const std::string officer = TextString(q.getOfficer());
        auto agency_heads = ledger_.ProveHead({heads::EntityKind::kAgency, agency});
        auto officer_heads = ledger_.ProveHead({heads::EntityKind::kOfficer, officer});
        if (!agency_heads.ok() || !officer_heads.ok()) {
          s = agency_heads.ok() ? officer_heads.status() : agency_heads.status();
          break;
        }
        auto seqs = ledger_.RegistrySeqs(agency, officer);
        if (!seqs.ok()) {
          // Not registered: prove it at the heads proof's checkpoint.
          if (seqs.status().reason() == reason::kUnknownAgency) absence = std::move(*agency_heads);
          if (seqs.status().reason() == reason::kUnknownOfficer) absence = std::move(*officer_heads);
          s = seqs.status();
          break;
        }
        // Only what the heads proofs' checkpoint covers.
        const uint64_t size = std::min(agency_heads->tree_size, officer_heads->tree_size);
        std::erase_if(*seqs, [&](uint64_t seq) { return seq >= size; });
        if (options_.faults.registry_seqs) options_.faults.registry_seqs(*seqs);
        auto reply = r.initRegistry();
        auto events = reply.initEvents(seqs->size());
        for (size_t i = 0; i < seqs->size() && s.ok(); ++i) s = FillEvent(events[i], (*seqs)[i], true);
        if (s.ok()) s = FillHeads(reply.initAgencyHeads(), *agency_heads);
        if (s.ok() && !officer.empty()) s = FillHeads(reply.initOfficerHeads(), *officer_heads);
        break;
      }
      default:
        s = InvalidArgumentError(
            fmt::format("request kind {} is not served here", static_cast<int>(request.which())), reason::kUnknownRequest);
    }
  } catch (const kj::Exception& e) {
    s = StatusFromCapnpError(e.getDescription().cStr());
  } catch (...) {
    // Not the request's fault (a bug, out of memory): an error reply, and
    // the connection goes on.
    s = ExceptionStatus(std::current_exception(), "answering the request");
    spdlog::error("request {} from {} '{}': {}", id, RoleName(who.role), who.name, Redacted(s.message()));
    absence.reset();
  }
  if (!s.ok() && absence) return AbsenceReply(id, s, *absence);
  if (!s.ok()) return ErrorReply(id, s);
  return Encode(msg);
}

StatusOr<Identity> RequestHandler::AcceptHello(const Identity& current, protocol::Hello::Reader hello) const {
  if (hello.getVersion() != protocol::PROTOCOL_VERSION) {
    return FailedPreconditionError(fmt::format("protocol version {} is not supported (server speaks {})",
                                               hello.getVersion(), protocol::PROTOCOL_VERSION),
                                   reason::kBadVersion);
  }
  Identity claimed;
  claimed.role = hello.getRole();
  claimed.name = TextString(hello.getAgency());
  claimed.known = true;
  // A role number that is no enumerant (a newer or broken client) names no
  // one; refused before it is compared or, in dev mode, taken.
  const Status bad_role = InvalidArgumentError(
      fmt::format("hello.role: {} is not a role (agency, inspector, mirror, operator)",
                  static_cast<uint16_t>(claimed.role)),
      reason::kBadRole);
  if (!options_.dev_insecure) {
    if (claimed.name.empty()) return current;  // no claim: the certificate decides
    if (!IsKnownRole(claimed.role)) return bad_role;
    if (claimed.role != current.role || claimed.name != current.name) {
      return PermissionDeniedError(fmt::format("hello claims {} '{}' but the certificate names {} '{}'",
                                               RoleName(claimed.role), claimed.name, RoleName(current.role),
                                               current.name),
                                   reason::kIdentityMismatch);
    }
    return current;
  }
  if (!IsKnownRole(claimed.role)) return bad_role;
  if (current.known && (claimed.role != current.role || claimed.name != current.name)) {
    return PermissionDeniedError("hello: the identity of a connection cannot change", reason::kIdentityMismatch);
  }
  if (claimed.name.empty()) return InvalidArgumentError("hello.agency: must not be empty", reason::kMissingField);
  return claimed;
}

std::string RequestHandler::HelloReply(uint64_t id, const Identity& who) const {
  capnp::MallocMessageBuilder msg;
  auto r = msg.initRoot<protocol::Response>();
  r.setId(id);
  auto h = r.initHello();
  h.setVersion(protocol::PROTOCOL_VERSION);
  h.setOrigin(ledger_.info().origin);
  h.setVerifierKey(ledger_.info().VerifierKey());
  h.setTreeSize(ledger_.Size());
  h.setRole(who.role);
  h.setAgency(who.name);
  return Encode(msg);
}

StatusOr<RequestHandler::PreparedAppend> RequestHandler::PrepareAppend(const Identity& who,
                                                                       protocol::Append::Reader append) const {
  if (!who.known) return PermissionDeniedError("send hello first (dev mode)", reason::kHelloRequired);
  if (who.role != protocol::Role::AGENCY && who.role != protocol::Role::OPERATOR) {
    return PermissionDeniedError(fmt::format("role {} cannot append", RoleName(who.role)), reason::kWrongRole);
  }
  auto events = append.getEvents();
  if (events.size() > options_.max_events_per_append) {
    return InvalidArgumentError(fmt::format("append of {} events; the limit is {}", events.size(),
                                            options_.max_events_per_append),
                                reason::kBatchTooLarge);
  }
  PreparedAppend plan;
  plan.count = events.size();
  plan.rejected.resize(events.size());
  for (size_t i = 0; i < events.size(); ++i) {
    try {
      auto sb = events[i];
      auto body = sb.getBody();
      std::string agency = TextString(body.getAgency());
      auto kind = body.getPayload().which();
      if (who.role == protocol::Role::AGENCY && agency != who.name) {
        plan.rejected[i] = PermissionDeniedError(
            fmt::format("event {}: agency '{}' is not this connection's agency '{}'", i, agency, who.name),
            reason::kWrongAgency);
        continue;
      }
      if (who.role == protocol::Role::OPERATOR &&
          !(kind == schema::Payload::AGENCY_REGISTERED || kind == schema::Payload::MENU_PUBLISHED ||
            (kind == schema::Payload::CORRECTION && body.getOfficer().size() == 0))) {
        plan.rejected[i] = PermissionDeniedError(
            fmt::format("event {}: the operator appends only root-signed events", i), reason::kNotAllowedForRole);
        continue;
      }
      capnp::MallocMessageBuilder copy(sb.totalSize().wordCount + 8);
      copy.setRoot(sb);
      plan.bodies.push_back(EncodeFrame(copy));
      plan.positions.push_back(i);
    } catch (const kj::Exception& e) {
      plan.rejected[i] = StatusFromCapnpError(e.getDescription().cStr());
    } catch (...) {
      if (plan.bodies.size() > plan.positions.size()) plan.bodies.pop_back();
      plan.rejected[i] = ExceptionStatus(std::current_exception(), fmt::format("event {}", i));
    }
  }
  return plan;
}

std::string RequestHandler::AppendReply(uint64_t id, const PreparedAppend& plan,
                                        const std::vector<AppendOutcome>& outcomes) const {
  capnp::MallocMessageBuilder msg;
  auto r = msg.initRoot<protocol::Response>();
  r.setId(id);
  auto results = r.initAppend().initResults(plan.count);
  for (size_t i = 0; i < plan.count; ++i) {
    if (!plan.rejected[i].ok()) SetError(results[i].initError(), plan.rejected[i]);
  }
  for (size_t k = 0; k < plan.positions.size(); ++k) {
    auto out = results[plan.positions[k]];
    const AppendOutcome& o = k < outcomes.size() ? outcomes[k]
                                                 : AppendOutcome(InternalError("the ledger gave no outcome"));
    if (o.ok()) {
      auto ok = out.initOk();
      ok.setSeq(o->seq);
      ok.setLeafHash(AsData(o->leaf_hash));
      ok.setDuplicate(o->duplicate);
    } else {
      SetError(out.initError(), o.status(), RetryAfterMs(o.status()));
    }
  }
  return Encode(msg);
}

StatusOr<std::string> RequestHandler::EventBatch(uint64_t id, uint64_t from, size_t max, size_t* count) const {
  *count = 0;
  ASSIGN_OR_RETURN(Latest latest, LatestCheckpoint());
  if (from >= latest.size) return std::string();
  const size_t n = static_cast<size_t>(std::min<uint64_t>(latest.size - from, max));
  capnp::MallocMessageBuilder msg;
  auto r = msg.initRoot<protocol::Response>();
  r.setId(id);
  auto batch = r.initEvents();
  batch.setFirstSeq(from);
  auto leaves = batch.initLeaves(n);
  for (size_t i = 0; i < n; ++i) {
    ASSIGN_OR_RETURN(std::string leaf, ledger_.LeafBytes(from + i));
    if (options_.faults.event_leaf) options_.faults.event_leaf(leaf);
    leaves.set(i, AsData(leaf));
  }
  batch.setCheckpoint(latest.note);
  *count = n;
  return Encode(msg);
}

}  // namespace ledger::net
