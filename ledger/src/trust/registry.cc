#include "trust/registry.h"
#include "ledger/reasons.h"

#include <fmt/format.h>

namespace ledger {
namespace {

constexpr std::string_view kAgencyPrefix = "reg/agency/";
constexpr std::string_view kOfficerPrefix = "reg/officer/";

std::string ToStr(capnp::Data::Reader d) {
  return std::string(reinterpret_cast<const char*>(d.begin()), d.size());
}

// Agency value: seq (8 BE) || public key.
// Officer value: registered seq (8 BE) || revoked seq + 1 (8 BE, 0 = active)
//                || key length (1) || key || agency.
std::string EncodeOfficer(const KeyRegistry::Officer& o) {
  std::string v;
  AppendBigEndian64(&v, o.registered_seq);
  AppendBigEndian64(&v, o.revoked ? o.revoked_seq + 1 : 0);
  v.push_back(static_cast<char>(o.public_key.size()));
  v += o.public_key;
  v += o.agency;
  return v;
}

}  // namespace

Status KeyRegistry::Load(const Store& store) {
  std::unique_ptr<rocksdb::Iterator> it(
      store.db()->NewIterator(rocksdb::ReadOptions(), store.cf(kCfProjection)));
  for (it->Seek("reg/"); it->Valid() && it->key().starts_with("reg/"); it->Next()) {
    std::string_view key(it->key().data(), it->key().size());
    std::string_view v(it->value().data(), it->value().size());
    if (key.starts_with(kAgencyPrefix)) {
      if (v.size() != 8 + 32) return DataLossError("registry: malformed agency entry", reason::kBadRegistry);
      agencies_[std::string(key.substr(kAgencyPrefix.size()))] = {std::string(v.substr(8)),
                                                                 ReadBigEndian64(v)};
    } else if (key.starts_with(kOfficerPrefix)) {
      if (v.size() < 17 || v.size() < 17 + static_cast<uint8_t>(v[16])) {
        return DataLossError("registry: malformed officer entry", reason::kBadRegistry);
      }
      Officer o;
      o.registered_seq = ReadBigEndian64(v);
      uint64_t rev = ReadBigEndian64(v.substr(8));
      o.revoked = rev != 0;
      o.revoked_seq = rev ? rev - 1 : 0;
      size_t klen = static_cast<uint8_t>(v[16]);
      o.public_key = std::string(v.substr(17, klen));
      o.agency = std::string(v.substr(17 + klen));
      officers_[std::string(key.substr(kOfficerPrefix.size()))] = std::move(o);
    }
  }
  return FromRocks(it->status(), "loading registry");
}

StatusOr<std::string> KeyRegistry::SignerKey(schema::EventBody::Reader body) const {
  auto which = body.getPayload().which();
  std::string agency = body.getAgency();
  std::string officer = body.getOfficer();
  if (which == schema::Payload::AGENCY_REGISTERED || which == schema::Payload::MENU_PUBLISHED ||
      (which == schema::Payload::CORRECTION && officer.empty())) {
    return root_key_;
  }
  if (which == schema::Payload::OFFICER_REGISTERED || which == schema::Payload::OFFICER_KEY_REVOKED) {
    auto a = agencies_.find(agency);
    if (a == agencies_.end()) {
      return PermissionDeniedError(fmt::format("agency: '{}' is not registered", agency), reason::kUnknownAgency);
    }
    return a->second.public_key;
  }
  if (agencies_.find(agency) == agencies_.end()) {
    return PermissionDeniedError(fmt::format("agency: '{}' is not registered", agency), reason::kUnknownAgency);
  }
  auto o = officers_.find(officer);
  if (o == officers_.end()) {
    return PermissionDeniedError(fmt::format("officer: '{}' is not registered", officer), reason::kUnknownOfficer);
  }
  if (o->second.agency != agency) {
    return PermissionDeniedError(
        fmt::format("officer: '{}' belongs to agency '{}', not '{}'", officer, o->second.agency, agency),
        reason::kOfficerAgencyMismatch);
  }
  if (o->second.revoked) {
    return PermissionDeniedError(
        fmt::format("officer: the key of '{}' was revoked at seq {}", officer, o->second.revoked_seq),
        reason::kKeyRevoked);
  }
  return o->second.public_key;
}

Status KeyRegistry::Check(schema::EventBody::Reader body) const {
  auto p = body.getPayload();
  switch (p.which()) {
    case schema::Payload::AGENCY_REGISTERED: {
      auto a = p.getAgencyRegistered();
      std::string code = a.getCode();
      if (code.empty()) return InvalidArgumentError("agencyRegistered.code: empty", reason::kMissingField);
      if (code != std::string(body.getAgency().cStr())) {
        return InvalidArgumentError("agencyRegistered.code: must equal the body's agency", reason::kAgencyMismatch);
      }
      if (agencies_.count(code)) {
        return AlreadyExistsError(fmt::format("agencyRegistered.code: '{}' is already registered", code),
                                  reason::kAgencyExists);
      }
      if (a.getPublicKey().size() != 32) {
        return InvalidArgumentError("agencyRegistered.publicKey: must be 32 bytes", reason::kBadPublicKey);
      }
      return OkStatus();
    }
    case schema::Payload::OFFICER_REGISTERED: {
      auto o = p.getOfficerRegistered();
      std::string id = o.getOfficerId();
      if (id.empty()) return InvalidArgumentError("officerRegistered.officerId: empty", reason::kMissingField);
      if (std::string(o.getAgency().cStr()) != std::string(body.getAgency().cStr())) {
        return InvalidArgumentError("officerRegistered.agency: must equal the body's agency", reason::kAgencyMismatch);
      }
      if (officers_.count(id)) {
        return AlreadyExistsError(fmt::format("officerRegistered.officerId: '{}' is already registered", id),
                                  reason::kOfficerExists);
      }
      if (o.getPublicKey().size() != 32) {
        return InvalidArgumentError("officerRegistered.publicKey: must be 32 bytes", reason::kBadPublicKey);
      }
      return OkStatus();
    }
    case schema::Payload::OFFICER_KEY_REVOKED: {
      auto r = p.getOfficerKeyRevoked();
      std::string id = r.getOfficerId();
      auto it = officers_.find(id);
      if (it == officers_.end()) {
        return NotFoundError(fmt::format("officerKeyRevoked.officerId: '{}' is not registered", id),
                             reason::kUnknownOfficer);
      }
      if (it->second.agency != std::string(body.getAgency().cStr())) {
        return PermissionDeniedError("officerKeyRevoked.officerId: officer of another agency",
                                     reason::kOfficerAgencyMismatch);
      }
      if (it->second.revoked) {
        return FailedPreconditionError(fmt::format("officerKeyRevoked.officerId: '{}' is already revoked", id),
                                       reason::kKeyRevoked);
      }
      return OkStatus();
    }
    default:
      return OkStatus();
  }
}

void KeyRegistry::Apply(schema::EventBody::Reader body, uint64_t seq, const Store& store,
                        rocksdb::WriteBatch* batch) {
  auto p = body.getPayload();
  switch (p.which()) {
    case schema::Payload::AGENCY_REGISTERED: {
      auto a = p.getAgencyRegistered();
      std::string code = a.getCode();
      Agency ag{ToStr(a.getPublicKey()), seq};
      std::string v = BigEndian64(seq) + ag.public_key;
      batch->Put(store.cf(kCfProjection), std::string(kAgencyPrefix) + code, v);
      agencies_[code] = std::move(ag);
      break;
    }
    case schema::Payload::OFFICER_REGISTERED: {
      auto o = p.getOfficerRegistered();
      Officer off{o.getAgency(), ToStr(o.getPublicKey()), seq, false, 0};
      std::string id = o.getOfficerId();
      batch->Put(store.cf(kCfProjection), std::string(kOfficerPrefix) + id, EncodeOfficer(off));
      officers_[id] = std::move(off);
      break;
    }
    case schema::Payload::OFFICER_KEY_REVOKED: {
      std::string id = p.getOfficerKeyRevoked().getOfficerId();
      Officer& off = officers_[id];
      off.revoked = true;
      off.revoked_seq = seq;
      batch->Put(store.cf(kCfProjection), std::string(kOfficerPrefix) + id, EncodeOfficer(off));
      break;
    }
    default:
      break;
  }
}

}  // namespace ledger
