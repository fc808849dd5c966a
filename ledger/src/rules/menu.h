// The published poverty-solution menu (docs/domain.md "The menu"): the items
// of the latest MenuPublished in the log, and the rules that use them.
//
//   PublishedMenu menu;
//   RETURN_IF_ERROR(menu.Load(store));                      // the persisted "menu" key and its event
//   RETURN_IF_ERROR(menu.CheckPublish(p.getMenuPublished()));   // BAD_MENU, MENU_VERSION_CONFLICT
//   menu.Apply(p.getMenuPublished(), seq);
//   RETURN_IF_ERROR(menu.CheckPayloadItems(payload, "", /*replacement=*/false));
//
// A version replaces the one before it whole (version + 1; every code
// published before is listed again, offered or withdrawn, in the same
// dimension). Until a first MenuPublished, no menu item is checked: stores
// written before menus existed keep working, and an operator publishes the
// menu before agencies record help (ledger-admin menu publish).
//
// The writer (DomainState) and the verifier each keep one, updated in seq
// order; the same checks run on append and on replay. Not thread-safe.
#pragma once

#include <rocksdb/write_batch.h>

#include <map>
#include <string>
#include <string_view>

#include "ledger/domain_types.h"
#include "ledger/status.h"
#include "schemas/ledger.capnp.h"
#include "store/store.h"

namespace ledger {

// Key of the `projection` column family: seq (8 BE) of the MenuPublished in
// force; absent while none was published.
inline constexpr std::string_view kMenuKey = "menu";

class PublishedMenu {
 public:
  struct Item {
    Dimension dimension = Dimension::kHealth;
    bool withdrawn = false;
  };

  // Reads kMenuKey and the event it names. DataLoss (BAD_PROJECTION) when
  // that event is missing or is not a MenuPublished.
  Status Load(const Store& store);

  // `m` as the next version: items with a code, a known dimension, names
  // and a unit, codes unique (BAD_MENU, BAD_DIMENSION); version the current
  // one + 1, every code of the current version listed with its dimension
  // (MENU_VERSION_CONFLICT).
  Status CheckPublish(schema::MenuPublished::Reader m) const;
  // Makes `m` (published at `seq`) the current version. The caller has
  // checked it.
  void Apply(schema::MenuPublished::Reader m, uint64_t seq);
  // Adds the put of kMenuKey for the current version to `batch`.
  void Put(const Store& store, rocksdb::WriteBatch* batch) const;

  // `code`, given for `dimension`, names an item of the current version of
  // that dimension that is offered (a withdrawn one passes when
  // `allow_withdrawn`): UNKNOWN_MENU_ITEM, MENU_DIMENSION_MISMATCH,
  // MENU_ITEM_WITHDRAWN; `field` names the field in the message. OK while
  // no menu is published.
  Status CheckItem(std::string_view code, uint16_t dimension, std::string_view field, bool allow_withdrawn) const;
  // CheckItem on every menu item a payload names: AssistanceGiven.menuItem
  // and each PlanAgreed action's menuItem. `prefix` starts the field names
  // ("" or "correction.replacement."). A correction's replacement
  // (`replacement`) may keep a withdrawn item: it describes help given or
  // planned when the item may still have been offered.
  Status CheckPayloadItems(schema::Payload::Reader p, std::string_view prefix, bool replacement) const;
  // The same for an event: its payload, or a Correction's replacement.
  Status CheckEventItems(schema::EventBody::Reader body) const;

  bool published() const { return version_ > 0; }
  uint32_t version() const { return version_; }
  uint64_t seq() const { return seq_; }
  const std::map<std::string, Item, std::less<>>& items() const { return items_; }

 private:
  uint32_t version_ = 0;   // 0: none published
  uint64_t seq_ = 0;
  std::map<std::string, Item, std::less<>> items_;
};

}  // namespace ledger
