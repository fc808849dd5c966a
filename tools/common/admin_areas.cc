#include "common/admin_areas.h"

#include <algorithm>
#include <map>

#include "ledger/areas.h"
#include "ledger/reasons.h"

namespace ledger::tools {

StatusOr<AdminAreas> AdminAreas::Builtin() { return FromText(BuiltinAreasCsv(), "built-in area list"); }

StatusOr<AdminAreas> AdminAreas::Load(const std::string& csv_path) {
  if (csv_path.empty()) return Builtin();
  ASSIGN_OR_RETURN(std::string text, ReadWholeFile(csv_path, reason::kBadAreaList));
  return FromText(text, csv_path);
}

StatusOr<AdminAreas> AdminAreas::FromText(std::string_view text, std::string_view source) {
  ASSIGN_OR_RETURN(std::vector<AreaRow> rows, ParseAreaRows(text, source));
  // Nested maps keep everything sorted by code.
  std::map<std::string, std::pair<Province, std::map<std::string, std::pair<District, std::map<std::string, Subdistrict>>>>>
      tree;
  for (const AreaRow& r : rows) {
    auto& [province, districts] = tree[std::string(r.province_code)];
    province = {std::string(r.province_code), std::string(r.province_th), std::string(r.province_en), {}};
    auto& [district, subs] = districts[std::string(r.district_code)];
    district = {std::string(r.district_code), std::string(r.district_th), std::string(r.district_en), {}};
    subs[std::string(r.subdistrict_code)] = {std::string(r.subdistrict_code), std::string(r.subdistrict_th),
                                             std::string(r.subdistrict_en)};
  }
  AdminAreas a;
  for (auto& [pcode, pv] : tree) {
    Province p = pv.first;
    a.names_[p.code] = {p.name_th, p.name_en};
    for (auto& [dcode, dv] : pv.second) {
      District d = dv.first;
      a.names_[d.code] = {d.name_th, d.name_en};
      for (auto& [scode, s] : dv.second) {
        a.names_[s.code] = {s.name_th, s.name_en};
        d.subdistricts.push_back(s);
      }
      p.districts.push_back(std::move(d));
    }
    a.provinces_.push_back(std::move(p));
  }
  return a;
}

const Province* AdminAreas::FindProvince(std::string_view code) const {
  auto it = std::lower_bound(provinces_.begin(), provinces_.end(), code,
                             [](const Province& p, std::string_view c) { return p.code < c; });
  return it != provinces_.end() && it->code == code ? &*it : nullptr;
}

std::optional<std::string_view> AdminAreas::Name(std::string_view code, Language language) const {
  auto it = names_.find(std::string(code));
  if (it == names_.end()) return std::nullopt;
  return language == Language::kThai ? std::string_view(it->second.first) : std::string_view(it->second.second);
}

}  // namespace ledger::tools
