#include "rules/menu.h"

#include <fmt/format.h>
#include <kj/exception.h>

#include <set>

#include "ledger/event.h"
#include "ledger/event_codec.h"
#include "ledger/reasons.h"

namespace ledger {
namespace {

std::string_view Sv(capnp::Text::Reader t) { return {t.cStr(), t.size()}; }

Status BadMenu(std::string message) { return InvalidArgumentError(std::move(message), reason::kBadMenu); }

std::string_view NameOf(uint16_t dimension) {
  return dimension < kDimensionCount ? DimensionName(static_cast<Dimension>(dimension)) : std::string_view("?");
}

}  // namespace

Status PublishedMenu::Load(const Store& store) {
  ASSIGN_OR_RETURN(std::optional<std::string> v, store.Get(kCfProjection, kMenuKey));
  if (!v) return OkStatus();
  if (v->size() != 8) return DataLossError("projection: malformed menu entry", reason::kBadProjection);
  const uint64_t seq = ReadBigEndian64(*v);
  ASSIGN_OR_RETURN(std::optional<std::string> leaf, store.Get(kCfEvents, BigEndian64(seq)));
  if (!leaf) {
    return DataLossError(fmt::format("projection: the menu's event {} is missing", seq), reason::kBadProjection);
  }
  return WithLeaf(*leaf, LeafCheck::kAny, [&](schema::Envelope::Reader env) -> Status {
    auto p = env.getSigned().getBody().getPayload();
    if (!p.isMenuPublished()) {
      return DataLossError(fmt::format("projection: the menu's event {} is not a MenuPublished", seq),
                           reason::kBadProjection);
    }
    Apply(p.getMenuPublished(), seq);
    return OkStatus();
  });
}

Status PublishedMenu::CheckPublish(schema::MenuPublished::Reader m) const {
  auto items = m.getItems();
  if (items.size() == 0) return BadMenu("menuPublished.items: a menu has at least one item");
  std::set<std::string_view> codes;
  for (unsigned i = 0; i < items.size(); ++i) {
    auto item = items[i];
    const std::string f = fmt::format("menuPublished.items[{}]", i);
    const std::string_view code = Sv(item.getCode());
    if (code.empty() || code.find_first_of(" \t\r\n") != std::string_view::npos) {
      return BadMenu(fmt::format("{}.code: '{}' must be a non-empty code without spaces", f, code));
    }
    if (!codes.insert(code).second) return BadMenu(fmt::format("{}.code: '{}' is listed twice", f, code));
    const auto dimension = static_cast<uint16_t>(item.getDimension());
    if (dimension >= kDimensionCount) {
      return InvalidArgumentError(fmt::format("{}.dimension: unknown value {}", f, dimension), reason::kBadDimension);
    }
    for (auto [name, text] : {std::pair{"nameTh", item.getNameTh()}, std::pair{"nameEn", item.getNameEn()},
                              std::pair{"unit", item.getUnit()}}) {
      if (text.size() == 0) return BadMenu(fmt::format("{}.{}: must not be empty (item {})", f, name, code));
    }
    if (auto old = items_.find(code); old != items_.end() && static_cast<uint16_t>(old->second.dimension) != dimension) {
      return FailedPreconditionError(
          fmt::format("{}.dimension: item {} is of dimension {} since version {}; an item never changes dimension "
                      "(publish a new code)",
                      f, code, DimensionName(old->second.dimension), version_),
          reason::kMenuVersionConflict);
    }
  }
  if (m.getVersion() != version_ + 1) {
    return FailedPreconditionError(
        fmt::format("menuPublished.version: {} does not follow the published version {} (expected {})",
                    m.getVersion(), version_, version_ + 1),
        reason::kMenuVersionConflict);
  }
  for (const auto& [code, item] : items_) {
    if (!codes.count(code)) {
      return FailedPreconditionError(
          fmt::format("menuPublished.items: item {} of version {} is missing; list it again, with withdrawn set "
                      "to stop offering it",
                      code, version_),
          reason::kMenuVersionConflict);
    }
  }
  return OkStatus();
}

void PublishedMenu::Apply(schema::MenuPublished::Reader m, uint64_t seq) {
  version_ = m.getVersion();
  seq_ = seq;
  items_.clear();
  for (auto item : m.getItems()) {
    items_[std::string(Sv(item.getCode()))] = {static_cast<Dimension>(static_cast<uint16_t>(item.getDimension())),
                                              item.getWithdrawn()};
  }
}

void PublishedMenu::Put(const Store& store, rocksdb::WriteBatch* batch) const {
  if (published()) batch->Put(store.cf(kCfProjection), std::string(kMenuKey), BigEndian64(seq_));
}

Status PublishedMenu::CheckItem(std::string_view code, uint16_t dimension, std::string_view field,
                                bool allow_withdrawn) const {
  if (!published()) return OkStatus();
  auto it = items_.find(code);
  if (it == items_.end()) {
    return InvalidArgumentError(
        fmt::format("{}: '{}' is not an item of the published menu (version {}, event {})", field, code, version_,
                    seq_),
        reason::kUnknownMenuItem);
  }
  if (static_cast<uint16_t>(it->second.dimension) != dimension) {
    return InvalidArgumentError(fmt::format("{}: menu item {} is of dimension {}, not {}", field, code,
                                            DimensionName(it->second.dimension), NameOf(dimension)),
                                reason::kMenuDimensionMismatch);
  }
  if (it->second.withdrawn && !allow_withdrawn) {
    return FailedPreconditionError(
        fmt::format("{}: menu item {} was withdrawn (menu version {}, event {})", field, code, version_, seq_),
        reason::kMenuItemWithdrawn);
  }
  return OkStatus();
}

Status PublishedMenu::CheckPayloadItems(schema::Payload::Reader p, std::string_view prefix, bool replacement) const {
  if (!published()) return OkStatus();
  if (p.isAssistanceGiven()) {
    auto a = p.getAssistanceGiven();
    return CheckItem(Sv(a.getMenuItem()), static_cast<uint16_t>(a.getDimension()),
                     fmt::format("{}assistanceGiven.menuItem", prefix), replacement);
  }
  if (p.isPlanAgreed()) {
    auto actions = p.getPlanAgreed().getActions();
    for (unsigned i = 0; i < actions.size(); ++i) {
      RETURN_IF_ERROR(CheckItem(Sv(actions[i].getMenuItem()), static_cast<uint16_t>(actions[i].getDimension()),
                                fmt::format("{}planAgreed.actions[{}].menuItem", prefix, i), replacement));
    }
  }
  return OkStatus();
}

Status PublishedMenu::CheckEventItems(schema::EventBody::Reader body) const {
  auto p = body.getPayload();
  if (p.isCorrection()) {
    auto action = p.getCorrection().getAction();
    if (!action.isReplacement()) return OkStatus();
    return CheckPayloadItems(action.getReplacement(), "correction.replacement.", /*replacement=*/true);
  }
  return CheckPayloadItems(p, "", /*replacement=*/false);
}

}  // namespace ledger
