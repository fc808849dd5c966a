#include "seed/menu.h"

#include <array>
#include <deque>
#include <string>
#include <vector>

#include "ledger/menu.h"

namespace ledger::seed {
namespace {

constexpr std::array<LeadAgency, kDimensionCount> kLeadAgencies = {{
    {Dimension::kHealth, "PHO", "สำนักงานสาธารณสุขจังหวัด", "Provincial Public Health Office"},
    {Dimension::kLiving, "PSDHS", "สำนักงานพัฒนาสังคมและความมั่นคงของมนุษย์จังหวัด",
     "Provincial Social Development and Human Security Office"},
    {Dimension::kEducation, "PEO", "สำนักงานศึกษาธิการจังหวัด", "Provincial Education Office"},
    {Dimension::kIncome, "CDD", "สำนักงานพัฒนาชุมชนจังหวัด", "Provincial Community Development Office"},
    {Dimension::kAccess, "LAO", "สำนักงานส่งเสริมการปกครองท้องถิ่นจังหวัด", "Provincial Local Administration Office"},
}};

// The offered items of data/menu.csv (ledger/menu.h), by dimension. The
// strings live as long as the process (BuiltinMenu() and `descriptions`).
struct Menus {
  std::array<std::vector<MenuItem>, kDimensionCount> by_dimension;
  std::deque<std::string> descriptions;
};

const Menus& BuiltMenus() {
  static const Menus* menus = [] {
    auto* m = new Menus();
    for (const MenuRow& row : BuiltinMenu()) {
      if (row.withdrawn) continue;
      const std::string& description = m->descriptions.emplace_back(row.name_th + " (" + row.name_en + ")");
      m->by_dimension[static_cast<size_t>(row.dimension)].push_back(
          {row.code.c_str(), row.dimension, static_cast<uint8_t>(row.indicator), description.c_str(), row.unit.c_str(),
           row.typical_min_satang, row.typical_max_satang});
    }
    return m;
  }();
  return *menus;
}

constexpr IndicatorWeight kWeights[] = {
    {1, Dimension::kHealth, 2},     {4, Dimension::kHealth, 4},     {5, Dimension::kHealth, 3},
    {7, Dimension::kHealth, 3},     {8, Dimension::kLiving, 6},     {9, Dimension::kLiving, 5},
    {10, Dimension::kLiving, 4},    {11, Dimension::kLiving, 3},    {15, Dimension::kEducation, 2},
    {16, Dimension::kEducation, 3}, {17, Dimension::kEducation, 3}, {19, Dimension::kEducation, 2},
    {20, Dimension::kIncome, 8},    {21, Dimension::kIncome, 5},    {22, Dimension::kIncome, 12},
    {27, Dimension::kAccess, 4},    {28, Dimension::kAccess, 3},
};

}  // namespace

const LeadAgency& LeadAgencyOf(Dimension d) { return kLeadAgencies[static_cast<size_t>(d)]; }

std::string AgencyCode(const LeadAgency& a, const std::string& province) {
  return std::string(a.prefix) + "-" + province;
}

std::span<const MenuItem> MenuOf(Dimension d) { return BuiltMenus().by_dimension[static_cast<size_t>(d)]; }

const MenuItem* FindMenuItem(std::string_view code) {
  for (Dimension d : kDimensions) {
    for (const MenuItem& m : MenuOf(d)) {
      if (m.code == code) return &m;
    }
  }
  return nullptr;
}

std::string_view MenuItemName(const MenuItem& item, bool thai) {
  const std::string_view d = item.description;
  const size_t open = d.find(" (");
  if (open == std::string_view::npos || d.back() != ')') return d;
  return thai ? d.substr(0, open) : d.substr(open + 2, d.size() - open - 3);
}

std::span<const IndicatorWeight> IndicatorWeights() { return kWeights; }

}  // namespace ledger::seed
