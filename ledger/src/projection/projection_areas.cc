// The projection's area totals (projection_internal.h): what each
// household contributes to its sub-district, district and province, added
// and taken back as its summary changes.
#include <bit>

#include "core/digits.h"
#include "projection/projection_internal.h"

namespace ledger {
namespace projection {
namespace {

void AddMoney(MoneyTotal& m, int sign, uint64_t count, int64_t satang) {
  m.count += static_cast<uint64_t>(sign) * count;  // wraps back for sign = -1
  m.satang += sign * satang;
}

// The three areas of a sub-district: itself, its district, its province.
std::array<uint32_t, 3> AreasOf(uint32_t subdistrict) { return {subdistrict, subdistrict / 100, subdistrict / 10000}; }
}  // namespace

Contribution ContributionOf(const Summary& s) {
  Contribution c;
  if (!s.targeted || s.subdistrict < 100000) return c;
  c.subdistrict = s.subdistrict;
  c.with_mentor = !s.mentors.empty();
  c.with_plan = s.plans > 0;
  c.helped = s.help_count > 0;
  c.exited = s.exited;
  c.level = s.has_level ? static_cast<int>(s.level) : -1;
  c.failing = std::popcount(s.failing);
  c.resolved = std::popcount(s.resolved);
  return c;
}

// ---------------------------------------------------------------- areas

std::string AreaCodeString(uint32_t code) { return std::to_string(code); }

std::optional<uint32_t> ParseAreaCode(std::string_view code) {
  if (code.size() != 2 && code.size() != 4 && code.size() != 6) return std::nullopt;
  if (code[0] == '0') return std::nullopt;
  return ParseDigits(code, code.size());
}

AreaTotals& Core::AreaFor(uint32_t code) {
  if (track_) changed_areas_.insert(code);
  return areas_[code];
}

void Core::AddHelp(uint32_t subdistrict, const HelpTotal& t, int sign) {
  const int d = static_cast<int>(t.dimension);
  for (uint32_t code : AreasOf(subdistrict)) {
    AreaTotals& a = AreaFor(code);
    AddMoney(a.by_dimension[d], sign, t.count, t.satang);
    auto it = std::find_if(a.by_agency.begin(), a.by_agency.end(), [&](const auto& e) { return e.first == t.agency; });
    if (it == a.by_agency.end()) it = a.by_agency.insert(a.by_agency.end(), {t.agency, {}});
    AddMoney(it->second[d], sign, t.count, t.satang);
    if (std::all_of(it->second.begin(), it->second.end(), [](const MoneyTotal& m) { return m.count == 0; })) {
      a.by_agency.erase(it);
    }
  }
}

void Core::AddContribution(const Contribution& c, const std::vector<HelpTotal>& help, int sign) {
  if (c.subdistrict == 0) return;
  for (uint32_t code : AreasOf(c.subdistrict)) {
    AreaTotals& a = AreaFor(code);
    a.targeted += sign;
    if (c.with_mentor) a.with_mentor += sign;
    if (c.with_plan) a.with_plan += sign;
    if (c.helped) a.helped += sign;
    if (c.exited) a.exited += sign;
    if (c.level >= 0) a.levels[c.level] += sign;
    a.failing += sign * c.failing;
    a.resolved += sign * c.resolved;
  }
  for (const HelpTotal& t : help) AddHelp(c.subdistrict, t, sign);
  if (sign < 0) {
    for (uint32_t code : AreasOf(c.subdistrict)) {
      if (areas_[code].targeted == 0) areas_.erase(code);
    }
  }
}

void Core::AddDifference(const Contribution& before, const Contribution& after) {
  if (before == after) return;
  for (uint32_t code : AreasOf(after.subdistrict)) {
    AreaTotals& a = AreaFor(code);
    a.with_mentor += static_cast<int>(after.with_mentor) - static_cast<int>(before.with_mentor);
    a.with_plan += static_cast<int>(after.with_plan) - static_cast<int>(before.with_plan);
    a.helped += static_cast<int>(after.helped) - static_cast<int>(before.helped);
    a.exited += static_cast<int>(after.exited) - static_cast<int>(before.exited);
    if (before.level >= 0) --a.levels[before.level];
    if (after.level >= 0) ++a.levels[after.level];
    a.failing += after.failing - before.failing;
    a.resolved += after.resolved - before.resolved;
  }
}

void Core::MarkChanged(Household& h) {
  if (!track_ || h.changed) return;
  h.changed = true;
  changed_households_.push_back(&h);
}

void Core::ClearChanges() {
  for (Household* h : changed_households_) h->changed = false;
  changed_households_.clear();
  changed_areas_.clear();
}

}  // namespace projection
}  // namespace ledger
