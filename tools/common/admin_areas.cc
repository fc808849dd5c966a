#include "common/admin_areas.h"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <map>

namespace ledger::tools {
namespace {

std::vector<std::string> SplitCsv(const std::string& line) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t comma = line.find(',', start);
    out.push_back(line.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  if (!out.empty() && !out.back().empty() && out.back().back() == '\r') out.back().pop_back();
  return out;
}

bool IsDigits(const std::string& s, size_t n) {
  return s.size() == n && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

std::string AdminAreas::DefaultCsvPath() { return LEDGER_SHARED_DIR "/data/thai_admin_divisions.csv"; }

StatusOr<AdminAreas> AdminAreas::Load(const std::string& csv_path) {
  std::ifstream in(csv_path);
  if (!in) return NotFoundError(csv_path + ": cannot open the area list", "BAD_AREA_LIST");
  // Nested maps keep everything sorted by code.
  std::map<std::string, std::pair<Province, std::map<std::string, std::pair<District, std::map<std::string, Subdistrict>>>>>
      tree;
  std::string line;
  size_t n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (n == 1 || line.empty()) continue;   // header
    auto c = SplitCsv(line);
    if (c.size() < 9 || !IsDigits(c[0], 2) || !IsDigits(c[3], 4) || !IsDigits(c[6], 6) ||
        c[3].compare(0, 2, c[0]) != 0 || c[6].compare(0, 4, c[3]) != 0) {
      return InvalidArgumentError(
          fmt::format("{}:{}: expected province_code,province_th,province_en,district_code,district_th,"
                      "district_en,subdistrict_code,subdistrict_th,subdistrict_en,...",
                      csv_path, n),
          "BAD_AREA_LIST");
    }
    auto& [province, districts] = tree[c[0]];
    province = {c[0], c[1], c[2], {}};
    auto& [district, subs] = districts[c[3]];
    district = {c[3], c[4], c[5], {}};
    subs[c[6]] = {c[6], c[7], c[8]};
  }
  if (tree.empty()) return InvalidArgumentError(csv_path + ": no areas", "BAD_AREA_LIST");
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
