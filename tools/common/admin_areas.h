// Thailand's administrative divisions with Thai and English names, from
// data/thai_admin_divisions.csv, embedded at build time (ledger/areas.h;
// DOMAIN.md "Identifiers and geography"): provinces (PP), districts (PPDD), sub-districts (PPDDTT).
//
//   ASSIGN_OR_RETURN(AdminAreas areas, AdminAreas::Builtin());
//   const Province* p = areas.FindProvince("33");           // Si Sa Ket
//   std::string_view th = areas.Name("3301", Language::kThai).value_or("?");
//
// Rows repeat a sub-district once per postcode; Load keeps one. Immutable
// after Load; safe to share between threads.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "ledger/status.h"

namespace ledger::tools {

enum class Language { kThai, kEnglish };

struct Subdistrict {
  std::string code, name_th, name_en;
};
struct District {
  std::string code, name_th, name_en;
  std::vector<Subdistrict> subdistricts;   // ascending code
};
struct Province {
  std::string code, name_th, name_en;
  std::vector<District> districts;         // ascending code
};

class AdminAreas {
 public:
  // The list embedded at build time.
  static StatusOr<AdminAreas> Builtin();
  // A CSV file in the same format; "" = Builtin(). Errors: NotFound (file),
  // InvalidArgument naming the line (BAD_AREA_LIST).
  static StatusOr<AdminAreas> Load(const std::string& csv_path);
  static StatusOr<AdminAreas> FromText(std::string_view text, std::string_view source);

  const std::vector<Province>& provinces() const { return provinces_; }   // ascending code
  const Province* FindProvince(std::string_view code) const;
  // Name of a province, district or sub-district code; nullopt if unknown.
  std::optional<std::string_view> Name(std::string_view code, Language language) const;

 private:
  std::vector<Province> provinces_;
  std::unordered_map<std::string, std::pair<std::string, std::string>> names_;   // code -> (th, en)
};

}  // namespace ledger::tools
