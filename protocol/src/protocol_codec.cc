#include "ledger/net/protocol_codec.h"
#include "ledger/reasons.h"

#include <fmt/format.h>

#include <array>
#include <utility>

namespace ledger::net {
namespace {

constexpr std::array kCodes = {
    StatusCode::kOk,           StatusCode::kInvalidArgument,  StatusCode::kNotFound,
    StatusCode::kAlreadyExists, StatusCode::kPermissionDenied, StatusCode::kResourceExhausted,
    StatusCode::kFailedPrecondition, StatusCode::kOutOfRange, StatusCode::kUnimplemented,
    StatusCode::kInternal,     StatusCode::kUnavailable,      StatusCode::kDataLoss,
};

constexpr std::array<std::pair<protocol::Role, std::string_view>, 4> kRoles = {{
    {protocol::Role::AGENCY, "agency"},
    {protocol::Role::INSPECTOR, "inspector"},
    {protocol::Role::MIRROR, "mirror"},
    {protocol::Role::OPERATOR, "operator"},
}};

}  // namespace

StatusCode StatusCodeFromName(std::string_view name) {
  for (StatusCode c : kCodes) {
    if (StatusCodeName(c) == name) return c;
  }
  return StatusCode::kInternal;
}

void SetError(protocol::Error::Builder e, const Status& status, uint32_t retry_after_ms) {
  e.setCode(std::string(StatusCodeName(status.code())));
  e.setReason(status.reason());
  e.setMessage(status.message());
  e.setRetryAfterMs(retry_after_ms);
}

Status ErrorStatus(protocol::Error::Reader e) {
  StatusCode code = StatusCodeFromName(std::string_view(e.getCode().cStr(), e.getCode().size()));
  if (code == StatusCode::kOk) code = StatusCode::kInternal;  // an error reply is never OK
  return Status(code, TextString(e.getMessage()), TextString(e.getReason()));
}

StatusOr<Hash> HashFromData(capnp::Data::Reader d, std::string_view field) {
  if (d.size() != 32) {
    return InvalidArgumentError(fmt::format("{}: must be 32 bytes, got {}", field, d.size()), reason::kBadHash);
  }
  Hash h;
  std::copy(d.begin(), d.end(), h.begin());
  return h;
}

StatusOr<std::vector<Hash>> HashesFromList(capnp::List<capnp::Data>::Reader list, std::string_view field) {
  std::vector<Hash> out;
  out.reserve(list.size());
  for (auto d : list) {
    ASSIGN_OR_RETURN(Hash h, HashFromData(d, field));
    out.push_back(h);
  }
  return out;
}

void SetHashes(capnp::List<capnp::Data>::Builder list, const std::vector<Hash>& hashes) {
  for (size_t i = 0; i < hashes.size(); ++i) list.set(i, AsData(hashes[i]));
}

std::string_view RoleName(protocol::Role role) {
  for (auto& [r, name] : kRoles) {
    if (r == role) return name;
  }
  return "unknown";
}

bool IsKnownRole(protocol::Role role) {
  for (auto& [r, name] : kRoles) {
    if (r == role) return true;
  }
  return false;
}

StatusOr<protocol::Role> RoleFromName(std::string_view name) {
  for (auto& [r, n] : kRoles) {
    if (n == name) return r;
  }
  return InvalidArgumentError(
      fmt::format("role '{}' is not one of agency, inspector, mirror, operator", name), reason::kBadRole);
}

}  // namespace ledger::net
