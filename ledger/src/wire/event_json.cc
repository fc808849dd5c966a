// Events <-> JSON through Cap'n Proto's dynamic API (see event_json.h for the
// shape). Field and enumerant names come from the schema, converted from
// camelCase to snake_case, so the JSON follows schemas/ledger.capnp.
//
// Mapping of a schema type T to JSON (both directions):
//
//   Void                   null
//   Bool                   true | false
//   Int*/UInt*             integer (range-checked on input)
//   Float*                 number
//   Text                   string
//   Data                   lowercase hex string
//   enum                   snake_case enumerant name
//   List(T)                array of T
//   Date                   "YYYY-MM-DD"
//   Payload                {"kind": <catalogue name>, <member's fields>...}
//   union-only struct      "<member>" when the active member is Void,
//     or group             else {"<member>": <value>}
//   other struct / group   {"<field>": <value>, ...} (an anonymous union's
//                          active member is one more key)
#include "ledger/event_json.h"

#include <capnp/dynamic.h>
#include <capnp/schema.h>
#include <fmt/format.h>
#include <kj/exception.h>
#include <openssl/rand.h>

#include <cctype>
#include <charconv>
#include <limits>
#include <map>
#include <mutex>
#include <set>
#include <unordered_map>

#include "ledger/event.h"
#include "ledger/event_codec.h"
#include "ledger/event_limits.h"
#include "ledger/merkle.h"
#include "ledger/reasons.h"
#include "wire/body_limits.h"

namespace ledger {
namespace {

using capnp::DynamicList;
using capnp::DynamicStruct;
using capnp::DynamicValue;
using capnp::StructSchema;
using nlohmann::json;

// Top-level keys that belong to the envelope; a payload field of the same
// name is written as "payload_<name>".
constexpr std::string_view kEnvelopeKeys[] = {
    "seq",       "kind",           "household", "agency",    "officer",
    "occurred_at", "occurred_time", "recorded_at", "recorded_at_ns", "leaf_hash",
    "prev_hash", "household_prev_seq", "household_prev_hash", "idempotency_key", "signature", "heads_root",
};
// Envelope keys set by the server: ignored by BodyFromJson.
constexpr std::string_view kServerKeys[] = {
    "seq", "recorded_at", "recorded_at_ns", "leaf_hash", "prev_hash",
    "household_prev_seq", "household_prev_hash", "signature", "heads_root",
};
constexpr std::string_view kPayloadPrefix = "payload_";

bool IsEnvelopeKey(std::string_view k) {
  for (auto e : kEnvelopeKeys) {
    if (e == k) return true;
  }
  return false;
}

bool IsServerKey(std::string_view k) {
  for (auto e : kServerKeys) {
    if (e == k) return true;
  }
  return false;
}

// A malformed JSON input: thrown inside the recursive builders, turned into
// InvalidArgument at the API edge.
struct BadJson {
  std::string message;
};

[[noreturn]] void Fail(const std::string& path, const std::string& what) {
  throw BadJson{path.empty() ? what : path + ": " + what};
}

std::string Join(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}

std::string SnakeCase(kj::StringPtr camel) {
  std::string out;
  out.reserve(camel.size() + 4);
  for (char c : camel) {
    if (std::isupper(static_cast<unsigned char>(c))) {
      if (!out.empty()) out.push_back('_');
      out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    } else {
      out.push_back(c);
    }
  }
  return out;
}

// The JSON key of a field: snake_case of its schema name, memoised per
// (struct, field) since exports convert every field of every event.
const std::string& FieldKey(const StructSchema::Field& f) {
  static std::mutex mu;
  static std::map<std::pair<uint64_t, uint>, std::string> cache;
  std::lock_guard lock(mu);
  auto key = std::make_pair(f.getContainingStruct().getProto().getId(), f.getIndex());
  auto it = cache.find(key);
  if (it == cache.end()) it = cache.emplace(key, SnakeCase(f.getProto().getName())).first;
  return it->second;
}

// "assistanceGiven" -> "AssistanceGiven" (the catalogue names, event.h).
std::string KindName(kj::StringPtr member) {
  std::string s(member.cStr());
  if (!s.empty()) s[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(s[0])));
  return s;
}

bool IsPayload(const StructSchema& s) { return s == capnp::Schema::from<schema::Payload>(); }
bool IsDate(const StructSchema& s) { return s == capnp::Schema::from<schema::Date>(); }
bool IsUnionOnly(const StructSchema& s) {
  return s.getNonUnionFields().size() == 0 && s.getUnionFields().size() > 0;
}
bool IsVoidMember(const StructSchema::Field& f) {
  return !f.getProto().isGroup() && f.getType().isVoid();
}

std::string DataHex(capnp::Data::Reader d) { return ToHex(std::span<const uint8_t>(d.begin(), d.size())); }

// ---------------------------------------------------------------- to JSON

json ToJson(const DynamicValue::Reader& v);
json StructToJson(const DynamicStruct::Reader& s);

json FieldToJson(const DynamicStruct::Reader& s, const StructSchema::Field& f) {
  return ToJson(s.get(f));
}

// Adds every field of `s` to `out`; `rename_envelope_keys` applies the
// "payload_<name>" rule of top-level payload fields.
void AddFields(const DynamicStruct::Reader& s, json& out, bool rename_envelope_keys) {
  auto key = [&](const StructSchema::Field& f) -> std::string {
    const std::string& k = FieldKey(f);
    if (rename_envelope_keys && IsEnvelopeKey(k)) return std::string(kPayloadPrefix) + k;
    return k;
  };
  for (auto f : s.getSchema().getNonUnionFields()) out[key(f)] = FieldToJson(s, f);
  if (s.getSchema().getUnionFields().size() > 0) {
    KJ_IF_MAYBE(active, s.which()) { out[key(*active)] = FieldToJson(s, *active); }
  }
}

json PayloadToJson(const DynamicStruct::Reader& p) {
  json out = json::object();
  KJ_IF_MAYBE(member, p.which()) {
    out["kind"] = KindName(member->getProto().getName());
    AddFields(p.get(*member).as<DynamicStruct>(), out, /*rename_envelope_keys=*/true);
  } else {
    throw BadJson{"payload: an event kind unknown to this build"};
  }
  return out;
}

json StructToJson(const DynamicStruct::Reader& s) {
  StructSchema schema = s.getSchema();
  if (IsPayload(schema)) return PayloadToJson(s);
  if (IsDate(schema)) {
    return FormatDate({s.get("year").as<int>(), s.get("month").as<int>(), s.get("day").as<int>()});
  }
  if (IsUnionOnly(schema)) {
    KJ_IF_MAYBE(active, s.which()) {
      if (IsVoidMember(*active)) return FieldKey(*active);
      return json{{FieldKey(*active), FieldToJson(s, *active)}};
    }
    return nullptr;  // a member unknown to this build
  }
  json out = json::object();
  AddFields(s, out, /*rename_envelope_keys=*/false);
  return out;
}

json ToJson(const DynamicValue::Reader& v) {
  switch (v.getType()) {
    case DynamicValue::VOID:
      return nullptr;
    case DynamicValue::BOOL:
      return v.as<bool>();
    case DynamicValue::INT:
      return v.as<int64_t>();
    case DynamicValue::UINT:
      return v.as<uint64_t>();
    case DynamicValue::FLOAT:
      return v.as<double>();
    case DynamicValue::TEXT:
      return std::string(v.as<capnp::Text>().cStr());
    case DynamicValue::DATA:
      return DataHex(v.as<capnp::Data>());
    case DynamicValue::LIST: {
      json arr = json::array();
      for (auto e : v.as<DynamicList>()) arr.push_back(ToJson(e));
      return arr;
    }
    case DynamicValue::ENUM: {
      auto e = v.as<capnp::DynamicEnum>();
      KJ_IF_MAYBE(en, e.getEnumerant()) { return SnakeCase(en->getProto().getName()); }
      return e.getRaw();  // an enumerant unknown to this build
    }
    case DynamicValue::STRUCT:
      return StructToJson(v.as<DynamicStruct>());
    case DynamicValue::UNKNOWN:
    case DynamicValue::CAPABILITY:
    case DynamicValue::ANY_POINTER:
      break;
  }
  throw BadJson{"schema holds a type with no JSON form"};
}

// ---------------------------------------------------------------- from JSON

// Parses "YYYY-MM-DD" (a real calendar date).
CivilDate ParseIsoDate(const json& v, const std::string& path) {
  if (!v.is_string()) Fail(path, "expected a date \"YYYY-MM-DD\"");
  const std::string& s = v.get_ref<const std::string&>();
  int y = 0, m = 0, d = 0;
  auto num = [&](size_t pos, size_t len, int* out) {
    auto r = std::from_chars(s.data() + pos, s.data() + pos + len, *out);
    return r.ec == std::errc() && r.ptr == s.data() + pos + len;
  };
  if (s.size() != 10 || s[4] != '-' || s[7] != '-' || !num(0, 4, &y) || !num(5, 2, &m) || !num(8, 2, &d)) {
    Fail(path, "'" + s + "' is not a date \"YYYY-MM-DD\"");
  }
  if (!IsValidDate({y, m, d})) Fail(path, "'" + s + "' is not a calendar date");
  return {y, m, d};
}

// Parses "HH:MM" into a minute of the day.
int ParseTimeOfDay(const json& v, const std::string& path) {
  if (!v.is_string()) Fail(path, "expected a time \"HH:MM\"");
  const std::string& s = v.get_ref<const std::string&>();
  int h = -1, m = -1;
  auto r1 = std::from_chars(s.data(), s.data() + std::min<size_t>(2, s.size()), h);
  bool ok = s.size() == 5 && s[2] == ':' && r1.ec == std::errc() && r1.ptr == s.data() + 2;
  if (ok) {
    auto r2 = std::from_chars(s.data() + 3, s.data() + 5, m);
    ok = r2.ec == std::errc() && r2.ptr == s.data() + 5;
  }
  if (!ok || h < 0 || h > 23 || m < 0 || m > 59) Fail(path, "'" + s + "' is not a time \"HH:MM\"");
  return h * 60 + m;
}

std::string HexBytes(const json& v, const std::string& path) {
  if (!v.is_string()) Fail(path, "expected a hex string");
  auto bytes = FromHex(v.get_ref<const std::string&>());
  if (!bytes.ok()) Fail(path, "not valid hex: " + bytes.status().message());
  return std::move(*bytes);
}

template <typename T>
T IntegerIn(const json& v, const std::string& path, std::string_view type_name) {
  if (!v.is_number_integer()) Fail(path, fmt::format("expected an integer ({})", type_name));
  if (v.is_number_unsigned()) {
    auto u = v.get<uint64_t>();
    if (u > static_cast<uint64_t>(std::numeric_limits<T>::max())) {
      Fail(path, fmt::format("{} is out of range for {}", u, type_name));
    }
    return static_cast<T>(u);
  }
  auto i = v.get<int64_t>();
  if constexpr (std::is_unsigned_v<T>) {
    if (i < 0) Fail(path, fmt::format("{} is out of range for {}", i, type_name));
    if (static_cast<uint64_t>(i) > static_cast<uint64_t>(std::numeric_limits<T>::max())) {
      Fail(path, fmt::format("{} is out of range for {}", i, type_name));
    }
  } else {
    if (i < static_cast<int64_t>(std::numeric_limits<T>::min()) ||
        i > static_cast<int64_t>(std::numeric_limits<T>::max())) {
      Fail(path, fmt::format("{} is out of range for {}", i, type_name));
    }
  }
  return static_cast<T>(i);
}

const std::string& StringIn(const json& v, const std::string& path) {
  if (!v.is_string()) Fail(path, "expected a string");
  return v.get_ref<const std::string&>();
}

void FillStruct(DynamicStruct::Builder s, const json& v, const std::string& path);

// Converts `v` to a value of the non-pointer, Text or Data type `type` and
// hands it to `set` (which must copy it: the value may point into locals).
template <typename Set>
void WithScalar(capnp::Type type, const json& v, const std::string& path, Set&& set) {
  using W = capnp::schema::Type;
  switch (type.which()) {
    case W::VOID:
      if (!v.is_null()) Fail(path, "expected null");
      set(DynamicValue::Reader(capnp::VOID));
      return;
    case W::BOOL:
      if (!v.is_boolean()) Fail(path, "expected true or false");
      set(DynamicValue::Reader(v.get<bool>()));
      return;
    case W::INT8: set(DynamicValue::Reader(IntegerIn<int8_t>(v, path, "Int8"))); return;
    case W::INT16: set(DynamicValue::Reader(IntegerIn<int16_t>(v, path, "Int16"))); return;
    case W::INT32: set(DynamicValue::Reader(IntegerIn<int32_t>(v, path, "Int32"))); return;
    case W::INT64: set(DynamicValue::Reader(static_cast<long long>(IntegerIn<int64_t>(v, path, "Int64")))); return;
    case W::UINT8: set(DynamicValue::Reader(IntegerIn<uint8_t>(v, path, "UInt8"))); return;
    case W::UINT16: set(DynamicValue::Reader(IntegerIn<uint16_t>(v, path, "UInt16"))); return;
    case W::UINT32: set(DynamicValue::Reader(IntegerIn<uint32_t>(v, path, "UInt32"))); return;
    case W::UINT64:
      set(DynamicValue::Reader(static_cast<unsigned long long>(IntegerIn<uint64_t>(v, path, "UInt64"))));
      return;
    case W::FLOAT32:
    case W::FLOAT64:
      if (!v.is_number()) Fail(path, "expected a number");
      set(DynamicValue::Reader(v.get<double>()));
      return;
    case W::TEXT: {
      const std::string& s = StringIn(v, path);
      set(DynamicValue::Reader(capnp::Text::Reader(s.data(), s.size())));
      return;
    }
    case W::DATA: {
      std::string bytes = HexBytes(v, path);
      set(DynamicValue::Reader(capnp::Data::Reader(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size())));
      return;
    }
    case W::ENUM: {
      const std::string& name = StringIn(v, path);
      for (auto e : type.asEnum().getEnumerants()) {
        if (SnakeCase(e.getProto().getName()) == name) {
          set(DynamicValue::Reader(capnp::DynamicEnum(e)));
          return;
        }
      }
      std::string names;
      for (auto e : type.asEnum().getEnumerants()) {
        names += (names.empty() ? "" : ", ") + SnakeCase(e.getProto().getName());
      }
      Fail(path, "'" + name + "' is not one of: " + names);
    }
    default:
      Fail(path, "internal: not a scalar type");
  }
}

void FillList(DynamicList::Builder list, const json& v, const std::string& path) {
  capnp::Type elem = list.getSchema().getElementType();
  for (unsigned i = 0; i < list.size(); ++i) {
    std::string p = fmt::format("{}[{}]", path, i);
    const json& e = v[i];
    if (elem.isStruct()) {
      FillStruct(list[i].as<DynamicStruct>(), e, p);
    } else if (elem.isList()) {
      if (!e.is_array()) Fail(p, "expected an array");
      FillList(list.init(i, static_cast<unsigned>(e.size())).as<DynamicList>(), e, p);
    } else {
      WithScalar(elem, e, p, [&](const DynamicValue::Reader& r) { list.set(i, r); });
    }
  }
}

void SetField(DynamicStruct::Builder s, const StructSchema::Field& f, const json& v, const std::string& path) {
  if (f.getProto().isGroup()) {
    FillStruct(s.init(f).as<DynamicStruct>(), v, path);
    return;
  }
  capnp::Type type = f.getType();
  // JSON cannot tell an empty Text, Data or List from an unset one; leave
  // them unset (null pointers read as empty), as builders usually do.
  bool empty_pointer = ((type.isText() || type.isData()) && v.is_string() && v.get_ref<const std::string&>().empty()) ||
                       (type.isList() && v.is_array() && v.empty());
  if (empty_pointer) return;
  if (type.isStruct()) {
    FillStruct(s.init(f).as<DynamicStruct>(), v, path);
  } else if (type.isList()) {
    if (!v.is_array()) Fail(path, "expected an array");
    FillList(s.init(f, static_cast<unsigned>(v.size())).as<DynamicList>(), v, path);
  } else {
    WithScalar(type, v, path, [&](const DynamicValue::Reader& r) { s.set(f, r); });
  }
}

// Sets the fields of `s` named by the keys of `obj`; rejects unknown keys and
// more than one member of a union.
void FillFields(DynamicStruct::Builder s, const json& obj, const std::string& path) {
  StructSchema schema = s.getSchema();
  std::unordered_map<std::string, StructSchema::Field> by_key;
  for (auto f : schema.getFields()) by_key.emplace(FieldKey(f), f);
  const std::string* union_key = nullptr;
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    std::string p = Join(path, it.key());
    auto f = by_key.find(it.key());
    if (f == by_key.end()) Fail(p, "unknown field");
    if (f->second.getProto().getDiscriminantValue() != capnp::schema::Field::NO_DISCRIMINANT) {
      if (union_key != nullptr) Fail(p, "only one of '" + *union_key + "' and '" + it.key() + "' may be set");
      union_key = &it.key();
    }
    SetField(s, f->second, it.value(), p);
  }
}

// Sets the Payload member named by `kind` from `fields` (the member's fields).
void FillPayload(DynamicStruct::Builder payload, const std::string& kind, const json& fields,
                 const std::string& path) {
  std::string member = kind;
  if (!member.empty()) member[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(member[0])));
  KJ_IF_MAYBE(f, payload.getSchema().findFieldByName(member)) {
    if (member == kind) Fail(Join(path, "kind"), "unknown event kind '" + kind + "'");
    FillFields(payload.init(*f).as<DynamicStruct>(), fields, path);
    return;
  }
  Fail(Join(path, "kind"), "unknown event kind '" + kind + "'");
}

void FillStruct(DynamicStruct::Builder s, const json& v, const std::string& path) {
  StructSchema schema = s.getSchema();
  if (IsDate(schema)) {
    CivilDate d = ParseIsoDate(v, path);
    s.set("year", static_cast<int16_t>(d.year));
    s.set("month", static_cast<uint8_t>(d.month));
    s.set("day", static_cast<uint8_t>(d.day));
    return;
  }
  if (IsPayload(schema)) {
    if (!v.is_object()) Fail(path, "expected an object with \"kind\"");
    auto kind = v.find("kind");
    if (kind == v.end()) Fail(Join(path, "kind"), "missing");
    json fields = v;
    fields.erase("kind");
    FillPayload(s, StringIn(*kind, Join(path, "kind")), fields, path);
    return;
  }
  if (IsUnionOnly(schema) && v.is_string()) {
    // The name of a Void member.
    const std::string& name = v.get_ref<const std::string&>();
    for (auto f : schema.getUnionFields()) {
      if (FieldKey(f) == name) {
        if (!IsVoidMember(f)) Fail(path, "'" + name + "' needs a value: write {\"" + name + "\": ...}");
        s.set(f, capnp::VOID);
        return;
      }
    }
    Fail(path, "'" + name + "' is not a member of this union");
  }
  if (!v.is_object()) Fail(path, "expected an object");
  if (IsUnionOnly(schema) && v.size() != 1) Fail(path, "expected exactly one union member");
  FillFields(s, v, path);
}

Status ToStatus(const BadJson& e) { return InvalidArgumentError(e.message, reason::kBadJson); }

}  // namespace

StatusOr<nlohmann::json> EventToJson(std::string_view leaf_bytes) {
  json out;
  RETURN_IF_ERROR(WithLeaf(leaf_bytes, LeafCheck::kCanonical, [&](schema::Envelope::Reader env) -> Status {
    EventLinks links;
    RETURN_IF_ERROR(ReadEventLinks(env, &links));
    auto body = env.getSigned().getBody();
    // Payload fields first, so that the envelope keys below always win.
    try {
      out = PayloadToJson(DynamicStruct::Reader(body.getPayload()));
    } catch (const BadJson& e) {
      return DataLossError(e.message, reason::kMalformedEvent);
    }
    out["seq"] = env.getSeq();
    out["household"] = body.getHousehold().cStr();
    out["agency"] = body.getAgency().cStr();
    out["officer"] = body.getOfficer().cStr();
    auto occ = body.getOccurredAt();
    auto date = occ.getDate();
    out["occurred_at"] = FormatDate({date.getYear(), date.getMonth(), date.getDay()});
    int minute = occ.getMinuteOfDay();
    if (minute >= 0) out["occurred_time"] = fmt::format("{:02d}:{:02d}", minute / 60, minute % 60);
    out["recorded_at"] = FormatTimestampNs(env.getRecordedAt());
    out["recorded_at_ns"] = env.getRecordedAt();
    out["leaf_hash"] = ToHex(merkle::HashLeaf(AsBytes(leaf_bytes)));
    out["prev_hash"] = DataHex(env.getPrevHash());
    if (env.getHouseholdPrev().isEvent()) {
      auto link = env.getHouseholdPrev().getEvent();
      out["household_prev_seq"] = link.getSeq();
      out["household_prev_hash"] = DataHex(link.getHash());
    } else {
      out["household_prev_seq"] = nullptr;
      out["household_prev_hash"] = nullptr;
    }
    out["idempotency_key"] = DataHex(body.getIdempotencyKey());
    out["signature"] = DataHex(env.getSigned().getSignature());
    if (env.hasHeadsRoot()) out["heads_root"] = DataHex(env.getHeadsRoot());
    return OkStatus();
  }));
  return out;
}

StatusOr<std::string> BodyFromJson(const nlohmann::json& event) {
  if (!event.is_object()) return InvalidArgumentError("event: expected a JSON object", reason::kBadJson);
  try {
    capnp::MallocMessageBuilder msg;
    auto body = msg.initRoot<schema::EventBody>();
    auto text = [&](std::string_view key) -> std::string {
      auto it = event.find(key);
      return it == event.end() ? std::string() : StringIn(*it, std::string(key));
    };
    auto kind_it = event.find("kind");
    if (kind_it == event.end()) Fail("kind", "missing");
    const std::string& kind = StringIn(*kind_it, "kind");
    // Empty ids stay unset, like empty payload values (see SetField).
    if (std::string v = text("household"); !v.empty()) body.setHousehold(v);
    if (std::string v = text("agency"); !v.empty()) body.setAgency(v);
    if (std::string v = text("officer"); !v.empty()) body.setOfficer(v);

    auto occ_it = event.find("occurred_at");
    if (occ_it == event.end()) Fail("occurred_at", "missing");
    CivilDate d = ParseIsoDate(*occ_it, "occurred_at");
    auto occ = body.initOccurredAt();
    auto date = occ.initDate();
    date.setYear(static_cast<int16_t>(d.year));
    date.setMonth(static_cast<uint8_t>(d.month));
    date.setDay(static_cast<uint8_t>(d.day));
    auto time_it = event.find("occurred_time");
    occ.setMinuteOfDay(time_it == event.end() || time_it->is_null()
                           ? int16_t{-1}
                           : static_cast<int16_t>(ParseTimeOfDay(*time_it, "occurred_time")));

    std::string key;
    auto key_it = event.find("idempotency_key");
    if (key_it != event.end()) {
      key = HexBytes(*key_it, "idempotency_key");
      if (key.size() != 16) Fail("idempotency_key", fmt::format("must be 16 bytes, not {}", key.size()));
    } else {
      key.resize(16);
      if (RAND_bytes(reinterpret_cast<unsigned char*>(key.data()), 16) != 1) {
        return InternalError("RAND_bytes failed");
      }
    }
    body.setIdempotencyKey(capnp::Data::Reader(reinterpret_cast<const uint8_t*>(key.data()), key.size()));

    // The payload's fields: every key that is not the envelope's, with
    // "payload_<name>" back to <name>.
    json fields = json::object();
    for (auto it = event.begin(); it != event.end(); ++it) {
      const std::string& k = it.key();
      if (IsEnvelopeKey(k) || IsServerKey(k)) continue;
      if (k.starts_with(kPayloadPrefix) && IsEnvelopeKey(std::string_view(k).substr(kPayloadPrefix.size()))) {
        fields[k.substr(kPayloadPrefix.size())] = it.value();
      } else {
        fields[k] = it.value();
      }
    }
    DynamicStruct::Builder payload = body.initPayload();
    // A payload field named like an envelope key (OfficerRegistered.agency)
    // defaults to the envelope's value when not given as payload_<name>.
    std::string member = kind;
    if (!member.empty()) member[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(member[0])));
    KJ_IF_MAYBE(mf, payload.getSchema().findFieldByName(member)) {
      for (auto f : mf->getType().asStruct().getFields()) {
        const std::string& k = FieldKey(f);
        if (IsEnvelopeKey(k) && !fields.contains(k) && event.contains(k)) fields[k] = event[k];
      }
    }
    FillPayload(payload, kind, fields, "");
    // The ledger's input limits, before anything is signed or sent.
    RETURN_IF_ERROR(CheckBodyLimits(body.asReader()));
    std::string canonical = CanonicalBytes(body.asReader());
    RETURN_IF_ERROR(CheckEventSize(canonical.size()));
    return canonical;
  } catch (const BadJson& e) {
    return ToStatus(e);
  } catch (const kj::Exception& e) {
    return InvalidArgumentError(std::string("event: ") + e.getDescription().cStr(), reason::kBadJson);
  }
}

StatusOr<std::string> SignBodyBytes(std::string_view body_canonical, const PrivateKey& key) {
  auto parsed = MessageBytes::Parse(body_canonical, /*framed=*/false);
  if (!parsed.ok()) return InvalidArgumentError("body: " + parsed.status().message(), reason::kMalformedMessage);
  try {
    if (!parsed->IsCanonical()) return InvalidArgumentError("body: not canonical", reason::kMalformedMessage);
    std::string signed_body = SignBody(parsed->Root<schema::EventBody>(), key);
    RETURN_IF_ERROR(CheckEventSize(signed_body.size()));
    return signed_body;
  } catch (const kj::Exception& e) {
    return InvalidArgumentError(std::string("body: ") + e.getDescription().cStr(), reason::kMalformedMessage);
  }
}

}  // namespace ledger
