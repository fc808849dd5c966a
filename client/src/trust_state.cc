#include "trust_state.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "ledger/durable_file.h"
#include "ledger/merkle.h"
#include "ledger/reasons.h"

namespace ledger::net {
namespace {

Status Inconsistent(const Checkpoint& a, const Checkpoint& b, const std::string& why) {
  return DataLossError(fmt::format("checkpoint of size {} is not consistent with the one of size {} seen before: {}",
                                   b.size, a.size, why),
                       reason::kInconsistentCheckpoint);
}

}  // namespace

StatusOr<TrustState> TrustState::Load(const std::string& path, const std::string& vkey, bool trust_on_first_use) {
  TrustState t;
  t.path_ = path;
  t.trust_on_first_use_ = trust_on_first_use;
  std::string stored_vkey, stored_note;
  if (!path.empty() && std::filesystem::exists(path)) {
    std::ifstream in(path);
    std::stringstream buf;
    buf << in.rdbuf();
    try {
      auto j = nlohmann::json::parse(buf.str());
      stored_vkey = j.value("vkey", "");
      t.origin_ = j.value("origin", "");
      stored_note = j.value("checkpoint", "");
    } catch (const nlohmann::json::exception& e) {
      return InvalidArgumentError(fmt::format("state file {}: not JSON: {}", path, e.what()), reason::kBadState);
    }
  }
  if (!vkey.empty() && !stored_vkey.empty() && vkey != stored_vkey) {
    return FailedPreconditionError(
        fmt::format("state file {} pins server key {}, not {}; use another state file for another server", path,
                    stored_vkey, vkey),
        reason::kStateKeyMismatch);
  }
  const std::string& pinned = vkey.empty() ? stored_vkey : vkey;
  if (!pinned.empty()) {
    auto v = NoteVerifier::Parse(pinned);
    if (!v.ok()) return InvalidArgumentError("server key: " + v.status().message(), reason::kBadVkey);
    t.verifier_ = *v;
  }
  if (!stored_note.empty()) {
    if (!t.verifier_) return InvalidArgumentError(fmt::format("state file {}: checkpoint without key", path), reason::kBadState);
    auto c = t.Open(stored_note);
    if (!c.ok()) {
      return DataLossError(fmt::format("state file {}: its checkpoint does not verify: {}", path, c.status().message()),
                           reason::kBadState);
    }
    t.last_ = *c;
  }
  return t;
}

Status TrustState::CheckServerKey(const std::string& server_vkey, const std::string& origin) {
  if (!verifier_) {
    if (!trust_on_first_use_) {
      return FailedPreconditionError(
          fmt::format("no server key is pinned; the server presents {} (pass it with --vkey)", server_vkey),
          reason::kNoPinnedKey);
    }
    auto v = NoteVerifier::Parse(server_vkey);
    if (!v.ok()) return DataLossError("the server's key is malformed: " + v.status().message(), reason::kBadVkey);
    verifier_ = *v;
  } else if (verifier_->ToString() != server_vkey) {
    return PermissionDeniedError(
        fmt::format("the server presents key {}, but {} is pinned", server_vkey, verifier_->ToString()),
        reason::kWrongServerKey);
  }
  if (origin_.empty()) origin_ = origin;
  return Save();
}

StatusOr<VerifiedCheckpoint> TrustState::Open(const std::string& note) const {
  if (!verifier_) return FailedPreconditionError("no server key is pinned", reason::kNoPinnedKey);
  auto opened = OpenNote(note, {*verifier_});
  if (!opened.ok()) {
    return DataLossError("checkpoint rejected: " + opened.status().message(),
                         opened.status().code() == StatusCode::kPermissionDenied ? reason::kBadCheckpointSignature
                                                                                 : reason::kBadCheckpoint);
  }
  auto c = ParseCheckpoint(opened->text);
  if (!c.ok()) return DataLossError("checkpoint rejected: " + c.status().message(), reason::kBadCheckpoint);
  if (!origin_.empty() && c->origin != origin_) {
    return DataLossError(fmt::format("checkpoint of origin '{}', expected '{}'", c->origin, origin_),
                         reason::kBadCheckpoint);
  }
  return VerifiedCheckpoint{note, *c};
}

Status TrustState::Accept(const VerifiedCheckpoint& c, const FetchConsistency& fetch, bool explicit_size) {
  if (!last_) {
    last_ = c;
    return Save();
  }
  const Checkpoint& a = last_->checkpoint;
  const Checkpoint& b = c.checkpoint;
  if (a.size == b.size) {
    if (a.root != b.root) return Inconsistent(a, b, "same size, different root");
    return OkStatus();
  }
  const bool grows = b.size > a.size;
  if (!grows && !explicit_size) {
    return DataLossError(fmt::format("the server presents the checkpoint of size {}, older than the one of size {} "
                                     "this client has verified (a rollback); ask for an explicit --size to look back", b.size, a.size),
                         reason::kStaleCheckpoint);
  }
  const Checkpoint& small = grows ? a : b;
  const Checkpoint& large = grows ? b : a;
  auto path = fetch(small.size, large.size);
  if (!path.ok()) {
    if (path.status().code() == StatusCode::kUnavailable) return path.status();
    return Inconsistent(a, b, "no consistency proof: " + path.status().message());
  }
  if (Status s = merkle::VerifyConsistency(small.size, large.size, *path, small.root, large.root); !s.ok()) {
    return Inconsistent(a, b, "the consistency proof does not verify: " + s.message());
  }
  if (grows) {
    last_ = c;
    return Save();
  }
  return OkStatus();
}

Status TrustState::Save() const {
  if (path_.empty()) return OkStatus();
  nlohmann::json j;
  j["vkey"] = verifier_ ? verifier_->ToString() : "";
  j["origin"] = origin_;
  j["checkpoint"] = last_ ? last_->note : "";
  std::error_code ec;
  auto parent = std::filesystem::path(path_).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  return WriteFileDurably(path_, j.dump(2) + "\n", {.failure_reason = reason::kStateWrite});
}

}  // namespace ledger::net
