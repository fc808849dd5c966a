// The input limits of ledger/event_limits.h. The walk uses Cap'n Proto's
// dynamic API, like event_json.cc, so a field added to schemas/ledger.capnp
// is checked without a change here (a new Text field gets kMaxTextBytes).
#include "ledger/event_limits.h"

#include <capnp/dynamic.h>
#include <fmt/format.h>
#include <kj/exception.h>

#include <algorithm>
#include <string>
#include <vector>

#include "ledger/reasons.h"
#include "ledger/utf8.h"
#include "wire/body_limits.h"

namespace ledger {
namespace {

using capnp::DynamicList;
using capnp::DynamicStruct;
using capnp::DynamicValue;
using capnp::StructSchema;

// Field names (schemas/ledger.capnp) by kind; every other Text field is a
// name or short text.
constexpr std::string_view kCodeFields[] = {
    "household", "agency",      "officer",  "code",     "province",          "officerId", "houseCode",
    "district",  "subdistrict", "village",  "menuItem", "responsibleAgency", "toAgency",  "areas"};
constexpr std::string_view kNoteFields[] = {"reason",  "description", "attitude",    "skills", "resources",
                                            "wayOut",  "problem",     "howVerified", "reasons"};

bool In(std::string_view name, const auto& list) { return std::find(std::begin(list), std::end(list), name) != std::end(list); }

// Where the walk is, as "payload.planAgreed.actions[2].menuItem"; built only
// for a message.
class Path {
 public:
  void Push(std::string_view field) { parts_.push_back({field, -1}); }
  void PushIndex(size_t i) { parts_.push_back({{}, static_cast<int64_t>(i)}); }
  void Pop() { parts_.pop_back(); }
  std::string str() const {
    std::string out;
    for (const auto& [name, index] : parts_) {
      if (index >= 0) {
        out += fmt::format("[{}]", index);
      } else {
        if (!out.empty()) out += '.';
        out += name;
      }
    }
    return out;
  }

 private:
  std::vector<std::pair<std::string_view, int64_t>> parts_;
};

Status CheckStruct(DynamicStruct::Reader s, Path& path);

Status CheckText(capnp::Text::Reader t, std::string_view field, const Path& path) {
  const std::string_view text(t.cStr(), t.size());
  if (size_t bad = FirstInvalidUtf8(text); bad != text.size()) {
    return InvalidArgumentError(fmt::format("{}: not valid UTF-8 (at byte {} of {})", path.str(), bad, text.size()),
                                reason::kInvalidUtf8);
  }
  if (const size_t limit = TextLimitOf(field); text.size() > limit) {
    return InvalidArgumentError(fmt::format("{}: {} bytes, at most {}", path.str(), text.size(), limit),
                                reason::kTextTooLong);
  }
  return OkStatus();
}

bool NeedsWalk(capnp::Type t) { return t.isText() || t.isStruct() || t.isList(); }

Status CheckValue(DynamicValue::Reader v, capnp::Type type, std::string_view field, Path& path) {
  if (type.isText()) return CheckText(v.as<capnp::Text>(), field, path);
  if (type.isStruct()) return CheckStruct(v.as<DynamicStruct>(), path);
  if (!type.isList()) return OkStatus();
  auto list = v.as<DynamicList>();
  if (list.size() > kMaxListItems) {
    return InvalidArgumentError(fmt::format("{}: {} items, at most {}", path.str(), list.size(), kMaxListItems),
                                reason::kListTooLong);
  }
  const capnp::Type element = type.asList().getElementType();
  if (!NeedsWalk(element)) return OkStatus();
  for (uint32_t i = 0; i < list.size(); ++i) {
    path.PushIndex(i);
    Status s = CheckValue(list[i], element, field, path);
    path.Pop();
    if (!s.ok()) return s;
  }
  return OkStatus();
}

Status CheckField(DynamicStruct::Reader s, StructSchema::Field f, Path& path) {
  const kj::StringPtr name = f.getProto().getName();
  const std::string_view field(name.cStr(), name.size());
  Status out;
  path.Push(field);
  if (f.getProto().isGroup()) {
    out = CheckStruct(s.get(f).as<DynamicStruct>(), path);
  } else if (NeedsWalk(f.getType()) && s.has(f)) {
    out = CheckValue(s.get(f), f.getType(), field, path);
  }
  path.Pop();
  return out;
}

Status CheckStruct(DynamicStruct::Reader s, Path& path) {
  for (auto f : s.getSchema().getNonUnionFields()) RETURN_IF_ERROR(CheckField(s, f, path));
  KJ_IF_MAYBE(active, s.which()) { RETURN_IF_ERROR(CheckField(s, *active, path)); }
  return OkStatus();
}

}  // namespace

size_t TextLimitOf(std::string_view field_name) {
  if (In(field_name, kCodeFields)) return kMaxCodeBytes;
  if (In(field_name, kNoteFields)) return kMaxNoteBytes;
  return kMaxTextBytes;
}

Status CheckBodyLimits(schema::EventBody::Reader body) {
  try {
    Path path;
    return CheckStruct(DynamicStruct::Reader(body), path);
  } catch (const kj::Exception& e) {
    return InvalidArgumentError(std::string("malformed event: ") + e.getDescription().cStr(),
                                reason::kMalformedMessage);
  }
}

Status CheckEventSize(size_t signed_body_bytes) {
  if (signed_body_bytes <= kMaxEventBytes) return OkStatus();
  return InvalidArgumentError(fmt::format("event: {} bytes signed, at most {}", signed_body_bytes, kMaxEventBytes),
                              reason::kEventTooLarge);
}

Status CheckEventLimits(std::string_view signed_body) {
  RETURN_IF_ERROR(CheckEventSize(signed_body.size()));
  ASSIGN_OR_RETURN(MessageBytes msg, MessageBytes::Parse(signed_body, /*framed=*/true));
  try {
    return CheckBodyLimits(msg.Root<schema::SignedBody>().getBody());
  } catch (const kj::Exception& e) {
    return InvalidArgumentError(std::string("malformed event: ") + e.getDescription().cStr(),
                                reason::kMalformedMessage);
  }
}

}  // namespace ledger
