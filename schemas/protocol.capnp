# The ledger wire protocol (DESIGN.md §7; docs/protocol.md).
#
# Transport: TCP with TLS 1.3 and mutual authentication (or plain TCP on
# loopback with --dev-insecure). Each direction is a sequence of Cap'n Proto
# messages in the standard stream framing:
#
#   frame    = (segment count - 1) : uint32 LE
#              segment size in words : uint32 LE, one per segment
#              4 bytes of padding when the segment count is even
#              the segments
#
# The client sends Request messages, the server sends Response messages.
# Every request carries an `id` chosen by the client; every response carries
# the id of the request it answers. Many requests may be in flight on one
# connection (pipelining); replies may come in any order. A subscription
# answers with many responses under its request's id.
#
# Limits (enforced before a frame is allocated or traversed): a frame is at
# most 16 MiB (configurable) and at most 64 segments; traversal and nesting
# limits apply to every message. A frame that breaks them, or that is not a
# well-formed Request, gets an Error reply with id 0 (or the request's id when
# it could be read) and the connection is closed.
#
# Compatibility (contract): ordinals are never renumbered or reused; new
# fields, union members and enumerants are only appended.

@0x87dd95ff0d707340;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("ledger::protocol");

using Ledger = import "ledger.capnp";

const protocolVersion :UInt32 = 1;

# ---------------------------------------------------------------- requests

enum Role {
  agency @0;      # appends events of its own agency
  inspector @1;   # reads and verifies
  mirror @2;      # reads, subscribes
  operator @3;    # reads; appends root-signed events (AgencyRegistered,
                  # root corrections)
}

struct Request {
  id @0 :UInt64;
  union {
    hello @1 :Hello;
    append @2 :Append;
    getEvent @3 :GetEvent;
    householdStatus @4 :HouseholdQuery;
    householdHistory @5 :HouseholdQuery;
    inclusionProof @6 :InclusionProofRequest;
    consistencyProof @7 :ConsistencyProofRequest;
    checkpoint @8 :CheckpointRequest;
    subscribe @9 :Subscribe;
    registry @10 :RegistryQuery;
    report @11 :ReportQuery;
  }
}

# Optional with TLS (the identity comes from the client certificate; a hello
# that claims another identity is refused). Required first with
# --dev-insecure, where it is the only source of role and agency.
struct Hello {
  version @0 :UInt32;
  role @1 :Role;
  agency @2 :Text;        # the agency code, or the user name for other roles
  client @3 :Text;        # free text, e.g. "ledger/0.1", logged
}

# A batch of signed events, appended in order through the ledger's group
# commit. Replies are per event: one bad event does not affect the others.
struct Append {
  events @0 :List(Ledger.SignedBody);
}

struct GetEvent {
  union {
    seq @0 :UInt64;
    leafHash @1 :Data;     # 32 bytes
  }
  # Also return an inclusion proof against the latest checkpoint.
  withProof @2 :Bool;
}

# A household's history is paged (docs/protocol.md §3.2): a reply holds the
# events with seq >= fromSeq, oldest first, at most `limit` of them and at
# most the server's page bytes (always at least one), and
# HouseholdHistory.nextSeq says where the next page starts. A client that
# sends neither field (one from before paging) gets the first page, which is
# the whole history whenever it fits.
struct HouseholdQuery {
  household @0 :Text;      # house code
  fromSeq @1 :UInt64;      # first seq of the page; 0: from the first event
  limit @2 :UInt32;        # events per page; 0 or above the server's: the server's (docs/protocol.md §3.2)
}

struct InclusionProofRequest {
  seq @0 :UInt64;
  treeSize @1 :UInt64;     # 0: the latest checkpoint's size
}

struct ConsistencyProofRequest {
  oldSize @0 :UInt64;
  newSize @1 :UInt64;      # 0: the latest checkpoint's size
}

struct CheckpointRequest {
  treeSize @0 :UInt64;     # 0: the latest checkpoint; else the one of exactly this size
}

# Streams every event from `fromSeq` on: first the stored ones (catching up),
# then new ones as they are committed, until the connection closes.
struct Subscribe {
  fromSeq @0 :UInt64;
  maxBatch @1 :UInt32;     # events per EventBatch; 0: server default (256)
}

# The registry events (with proofs) that define an officer's key: its
# agency's AgencyRegistered, its OfficerRegistered and its OfficerKeyRevoked
# if any. Used by inspectors to check key validity at the time of an event.
struct RegistryQuery {
  agency @0 :Text;
  officer @1 :Text;
}

struct ReportQuery {
  by @0 :Text;             # "province", "district", "subdistrict"
  area @1 :Text;           # a DOPA code prefix, or "" for all
}

# ---------------------------------------------------------------- responses

struct Response {
  id @0 :UInt64;
  union {
    error @1 :Error;
    hello @2 :ServerHello;
    append @3 :AppendReply;
    event @4 :EventReply;
    householdStatus @5 :HouseholdStatus;
    householdHistory @6 :HouseholdHistory;
    inclusionProof @7 :InclusionProof;
    consistencyProof @8 :ConsistencyProof;
    checkpoint @9 :Text;           # a signed checkpoint note, verbatim
    events @10 :EventBatch;        # one part of a subscription's stream
    registry @11 :RegistryReply;
    report @12 :Text;              # JSON, as `ledger-replay report --json`
  }
}

# Every error has a stable canonical `code` ("INVALID_ARGUMENT",
# "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", ... as ledger/status.h), a stable
# specific `reason` ("BAD_SIGNATURE", "PUSHBACK", "FRAME_TOO_LARGE", ...) and
# a human message. `retryAfterMs` > 0 means: the same request may be sent
# again after that long (pushback, shutting down).
struct Error {
  code @0 :Text;
  reason @1 :Text;
  message @2 :Text;
  retryAfterMs @3 :UInt32;
  # With UNKNOWN_HOUSEHOLD, UNKNOWN_OFFICER, UNKNOWN_AGENCY: the proof that
  # the entity has no head in the heads map of a signed checkpoint.
  absence @4 :HeadsProof;
}

struct ServerHello {
  version @0 :UInt32;
  origin @1 :Text;           # checkpoint origin
  verifierKey @2 :Text;      # the server's note verifier key
  treeSize @3 :UInt64;
  role @4 :Role;             # the identity the server assigned this connection
  agency @5 :Text;
}

struct AppendReply {
  results @0 :List(AppendResult);   # one per event, in request order
}

struct AppendResult {
  union {
    ok @0 :Appended;
    error @1 :Error;
  }
}

struct Appended {
  seq @0 :UInt64;
  leafHash @1 :Data;
  duplicate @2 :Bool;      # the idempotency key was seen: the original seq
}

struct EventReply {
  seq @0 :UInt64;
  leaf @1 :Data;           # leaf bytes: canonical Envelope
  proof @2 :InclusionProof; # when requested (withProof)
}

struct InclusionProof {
  seq @0 :UInt64;
  treeSize @1 :UInt64;
  leafHash @2 :Data;
  path @3 :List(Data);     # RFC 9162 PATH, 32-byte hashes
  checkpoint @4 :Text;     # signed note of exactly treeSize
}

struct ConsistencyProof {
  oldSize @0 :UInt64;
  newSize @1 :UInt64;
  path @2 :List(Data);
  oldCheckpoint @3 :Text;  # signed note of oldSize, "" when none was made at that size
  newCheckpoint @4 :Text;  # signed note of newSize
}

# A household's events in order, and a proof that the last one is in a
# signed checkpoint: with the household hash chain
# (Envelope.householdPrev) this proves the whole list.
struct HouseholdHistory {
  household @0 :Text;
  leaves @1 :List(Data);
  proof @2 :InclusionProof;  # of the last leaf; unset when the list is empty
  heads @3 :HeadsProof;      # the household's committed head: the list is complete
  # 0: this page ends the history as of `heads`; otherwise the fromSeq of the
  # next page. `proof` is of this page's last leaf; the whole history is the
  # pages' leaves in order, complete when they end at the head of the last
  # page's `heads`.
  nextSeq @4 :UInt64;
}

# What the log commits to about one entity (household, officer, agency) at
# a checkpoint of size N (docs/formats.md §7): the event N-1 carries the root
# of the heads map over events [0, N-1) in Envelope.headsRoot; `mapProof`
# proves the entity's head (or its absence) in that map; the client applies
# event N-1 itself when it concerns the entity.
struct HeadsProof {
  treeSize @0 :UInt64;                # N
  rootLeaf @1 :Data;                  # leaf bytes of event N-1
  rootLeafProof @2 :InclusionProof;   # of event N-1 in the checkpoint of size N
  mapProof @3 :Data;                  # heads map proof (docs/formats.md §7.3)
  head @4 :Data;                      # the entity's head in that map (48 bytes), empty when absent
}

struct HouseholdStatus {
  household @0 :Text;
  json @1 :Text;           # the projection's status as JSON (docs/protocol.md)
  history @2 :HouseholdHistory;
}

struct EventBatch {
  firstSeq @0 :UInt64;
  leaves @1 :List(Data);
  checkpoint @2 :Text;     # a signed note whose size covers these events
}

struct RegistryReply {
  events @0 :List(EventReply);   # each with its proof, ascending seq
  agencyHeads @1 :HeadsProof;    # the agency's committed head (its registrations)
  officerHeads @2 :HeadsProof;   # the officer's committed head (its key history)
}
