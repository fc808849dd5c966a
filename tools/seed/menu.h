// Reference tables of the synthetic programme: the lead agency of each
// dimension at province level (DOMAIN.md "The five dimensions and their
// lead agencies") and the offered items of the poverty-solution menu
// (เมนูแก้จน), read from the one shipped list, data/menu.csv (ledger/menu.h),
// with its typical values in satang. ledger-seed publishes that list
// (MenuPublished) before anything else.
//
//   const LeadAgency& a = LeadAgencyOf(Dimension::kHealth);    // PHO
//   std::string code = AgencyCode(a, "33");                     // "PHO-33"
//   for (const MenuItem& m : MenuOf(Dimension::kLiving)) ...
//   const MenuItem* m = FindMenuItem("H-01");                  // for names in reports
//   MenuItemName(*m, /*thai=*/true);                            // "ถุงยังชีพ"
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "ledger/domain_types.h"

namespace ledger::seed {

struct LeadAgency {
  Dimension dimension;
  const char* prefix;      // agency code prefix: "<prefix>-<province>"
  const char* name_th;     // followed by the province's Thai name
  const char* name_en;     // preceded by the province's English name
};

struct MenuItem {
  const char* code;
  Dimension dimension;
  uint8_t indicator;       // BMN indicator it addresses, 0 if none in particular
  const char* description;  // "<Thai name> (<English name>)"
  const char* unit;
  int64_t min_satang;      // value range of one delivery
  int64_t max_satang;
};

const LeadAgency& LeadAgencyOf(Dimension d);
std::string AgencyCode(const LeadAgency& a, const std::string& province);
std::span<const MenuItem> MenuOf(Dimension d);
// The item with this code ("H-01") in any dimension's menu, or nullptr.
const MenuItem* FindMenuItem(std::string_view code);
// Its name in Thai ("ถุงยังชีพ") or English ("food kit"): the two parts
// of its description.
std::string_view MenuItemName(const MenuItem& item, bool thai);
// The MPI indicators (DOMAIN.md) a seeded household may fail, with weights
// (income and living conditions fail most often).
struct IndicatorWeight {
  uint8_t indicator;
  Dimension dimension;
  int weight;
};
std::span<const IndicatorWeight> IndicatorWeights();

}  // namespace ledger::seed
