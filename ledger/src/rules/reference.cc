#include "ledger/reasons.h"
#include "ledger/reference.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>

#include "core/digits.h"

namespace ledger {

namespace {

// DOMAIN.md "Indicators": the BMN numbers the MPI uses, by dimension.
struct IndicatorRow {
  int indicator;
  Dimension dimension;
};
constexpr IndicatorRow kDefaultIndicators[] = {
    {1, Dimension::kHealth},     {4, Dimension::kHealth},     {5, Dimension::kHealth},
    {7, Dimension::kHealth},     {8, Dimension::kLiving},     {9, Dimension::kLiving},
    {10, Dimension::kLiving},    {11, Dimension::kLiving},    {15, Dimension::kEducation},
    {16, Dimension::kEducation}, {17, Dimension::kEducation}, {19, Dimension::kEducation},
    {20, Dimension::kIncome},    {21, Dimension::kIncome},    {22, Dimension::kIncome},
    {27, Dimension::kAccess},    {28, Dimension::kAccess},
};

std::vector<std::string_view> SplitCsv(std::string_view line) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (true) {
    size_t comma = line.find(',', start);
    out.push_back(line.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

StatusOr<std::vector<std::string>> ReadLines(const std::string& path) {
  std::ifstream in(path);
  if (!in) return NotFoundError(path + ": cannot open reference file", reason::kBadReference);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(std::move(line));
  return lines;
}

}  // namespace

void ReferenceData::SetAreasFromRows(const std::vector<AreaRow>& rows) {
  std::vector<uint32_t> subdistricts;
  subdistricts.reserve(rows.size());
  for (const AreaRow& row : rows) subdistricts.push_back(*ParseDigits(row.subdistrict_code, 6));
  std::sort(subdistricts.begin(), subdistricts.end());
  subdistricts.erase(std::unique(subdistricts.begin(), subdistricts.end()), subdistricts.end());
  provinces_.clear();
  districts_.clear();
  for (uint32_t s : subdistricts) {
    if (districts_.empty() || districts_.back() != s / 100) districts_.push_back(s / 100);
    if (provinces_.empty() || provinces_.back() != s / 10000) provinces_.push_back(s / 10000);
  }
  subdistricts_ = std::move(subdistricts);
}

const ReferenceData& ReferenceData::Builtin() {
  static const ReferenceData* builtin = [] {
    auto* r = new ReferenceData();
    // The embedded list is checked by the build's own tests; a broken one
    // leaves the built-in areas empty (every area then fails UNKNOWN_AREA).
    auto rows = ParseAreaRows(BuiltinAreasCsv(), "built-in area list");
    if (rows.ok()) r->SetAreasFromRows(*rows);
    r->indicators_.fill(-1);
    for (const auto& row : kDefaultIndicators) r->indicators_[row.indicator] = static_cast<int8_t>(row.dimension);
    return r;
  }();
  return *builtin;
}

StatusOr<ReferenceData> ReferenceData::Load(const std::string& areas_csv, const std::string& indicators_csv) {
  ReferenceData r = Builtin();
  if (!areas_csv.empty()) {
    ASSIGN_OR_RETURN(std::string text, ReadWholeFile(areas_csv, reason::kBadReference));
    auto rows = ParseAreaRows(text, areas_csv);
    if (!rows.ok()) return InvalidArgumentError(rows.status().message(), reason::kBadReference);
    r.SetAreasFromRows(*rows);
  }
  if (!indicators_csv.empty()) {
    ASSIGN_OR_RETURN(std::vector<std::string> lines, ReadLines(indicators_csv));
    r.indicators_.fill(-1);
    int rows = 0;
    for (size_t i = 0; i < lines.size(); ++i) {
      std::string_view line = Trim(lines[i]);
      if (size_t hash = line.find('#'); hash != std::string_view::npos) line = Trim(line.substr(0, hash));
      if (line.empty() || (i == 0 && line == "indicator,dimension")) continue;
      auto cols = SplitCsv(line);
      int n = 0;
      std::string_view num = cols.size() == 2 ? Trim(cols[0]) : std::string_view();
      auto [end, ec] = std::from_chars(num.data(), num.data() + num.size(), n);
      auto dim = cols.size() == 2 ? DimensionFromName(Trim(cols[1])) : std::nullopt;
      if (num.empty() || ec != std::errc() || end != num.data() + num.size() || n < 1 || n > kMaxIndicator || !dim) {
        return InvalidArgumentError(
            fmt::format("{}:{}: expected 'indicator,dimension' with indicator 1..{} and dimension one of "
                        "health, living, education, income, access",
                        indicators_csv, i + 1, kMaxIndicator),
            reason::kBadReference);
      }
      r.indicators_[n] = static_cast<int8_t>(*dim);
      ++rows;
    }
    if (rows == 0) return InvalidArgumentError(indicators_csv + ": no indicators", reason::kBadReference);
  }
  return r;
}

bool ReferenceData::AreaExists(std::string_view code) const {
  const std::vector<uint32_t>* list = nullptr;
  switch (code.size()) {
    case 2: list = &provinces_; break;
    case 4: list = &districts_; break;
    case 6: list = &subdistricts_; break;
    default: return false;
  }
  auto v = ParseDigits(code, code.size());
  return v && std::binary_search(list->begin(), list->end(), *v);
}

std::optional<Dimension> ReferenceData::IndicatorDimension(int n) const {
  if (n < 1 || n > kMaxIndicator || indicators_[n] < 0) return std::nullopt;
  return static_cast<Dimension>(indicators_[n]);
}

bool ReferenceData::IndicatorKnown(int n) const {
  return (n >= 1 && n <= kBmnIndicatorCount) || IndicatorDimension(n).has_value();
}

std::vector<int> ReferenceData::IndicatorsOf(Dimension d) const {
  std::vector<int> out;
  for (int n = 1; n <= kMaxIndicator; ++n) {
    if (indicators_[n] == static_cast<int8_t>(d)) out.push_back(n);
  }
  return out;
}

}  // namespace ledger
