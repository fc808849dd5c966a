// Reference data the domain rules check events against (DOMAIN.md):
//
//   * the DOPA area codes: province PP, district PPDD, sub-district PPDDTT
//     (villages PPDDTTMM are checked by their sub-district prefix);
//   * the BMN indicator table: indicator number -> dimension.
//
// The built-in data are the codes of data/thai_admin_divisions.csv (embedded
// at build time, ledger/areas.h), and the indicator table of DOMAIN.md. An operator
// whose lists differ loads their own files (LedgerOptions::areas_csv and
// ::indicators_csv). Reference data are consulted only by the rules at append;
// projections never depend on them, so replay gives the same bytes whatever
// tables are loaded.
//
//   const ReferenceData& ref = ReferenceData::Builtin();
//   ref.AreaExists("330101");                 // true: a Si Sa Ket sub-district
//   ref.IndicatorDimension(9);                // Dimension::kLiving
//   ASSIGN_OR_RETURN(ReferenceData mine, ReferenceData::Load("areas.csv", "indicators.csv"));
//
// Immutable after construction; safe to share between threads.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/areas.h"
#include "ledger/domain_types.h"
#include "ledger/status.h"

namespace ledger {

// BMN indicator numbers are 1..kMaxIndicator (projections keep them as bits
// of a 64-bit mask).
inline constexpr int kMaxIndicator = 63;
// The BMN survey (จปฐ. 2565-2569) numbers its indicators 1..38; the table
// gives the dimension of those the MPI uses.
inline constexpr int kBmnIndicatorCount = 38;

class ReferenceData {
 public:
  // Embedded areas and the DOMAIN.md indicator table. Never fails.
  static const ReferenceData& Builtin();

  // `areas_csv`: a file in the format of thai_admin_divisions.csv (header
  // line, sub-district code in the 7th column); "" keeps the built-in areas.
  // `indicators_csv`: lines "indicator,dimension" (dimension as in
  // DimensionName, e.g. "9,living"; '#' starts a comment; an optional header
  // line "indicator,dimension"); "" keeps the built-in table.
  // Errors: NotFound (file), InvalidArgument naming the line (BAD_REFERENCE).
  static StatusOr<ReferenceData> Load(const std::string& areas_csv, const std::string& indicators_csv);

  // True iff `code` is a known province (2 digits), district (4) or
  // sub-district (6) code.
  bool AreaExists(std::string_view code) const;
  // The dimension of BMN indicator `n`, or nullopt when the table has no
  // such indicator.
  std::optional<Dimension> IndicatorDimension(int n) const;
  // True iff `n` is a BMN indicator number: 1..kBmnIndicatorCount, or any
  // number of the table.
  bool IndicatorKnown(int n) const;
  // Indicator numbers of a dimension, ascending.
  std::vector<int> IndicatorsOf(Dimension d) const;

  size_t subdistrict_count() const { return subdistricts_.size(); }

 private:
  ReferenceData() = default;
  // Sorted, unique codes as integers.
  std::vector<uint32_t> provinces_, districts_, subdistricts_;
  // indicator -> dimension ordinal, -1 when unknown.
  std::array<int8_t, kMaxIndicator + 1> indicators_{};

  void SetAreasFromRows(const std::vector<AreaRow>& rows);
};

}  // namespace ledger
