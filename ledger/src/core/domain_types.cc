#include "ledger/domain_types.h"

namespace ledger {
namespace {

constexpr std::array<std::string_view, kDimensionCount> kDimensionNames = {"health", "living", "education", "income",
                                                                           "access"};
constexpr std::array<std::string_view, kDimensionCount> kDimensionNamesTh = {
    "สุขภาพ", "ความเป็นอยู่", "การศึกษา", "รายได้", "การเข้าถึงบริการรัฐ"};
constexpr std::array<std::string_view, kLevelCount> kLevelNames = {"survive", "sufficient", "sustainable"};
constexpr std::array<std::string_view, kLevelCount> kLevelNamesTh = {"อยู่รอด", "พอเพียง", "ยั่งยืน"};
constexpr std::array<std::string_view, kTargetSourceCount> kSourceNames = {"tpmap", "missed", "vulnerable",
                                                                           "programme_selection"};
constexpr std::array<std::string_view, kExitReasonCount> kExitNames = {"graduated", "moved", "deceased",
                                                                       "duplicate_record"};
constexpr std::array<std::string_view, kWelfareRightCount> kRightNames = {"elderly", "disability", "newborn",
                                                                          "education", "welfare_card"};
constexpr std::array<std::string_view, kWelfareResultCount> kResultNames = {"already_receiving", "enrolled_now",
                                                                            "not_eligible"};

template <size_t N>
std::string_view NameOf(const std::array<std::string_view, N>& names, uint8_t v) {
  return v < N ? names[v] : std::string_view("unknown");
}

}  // namespace

std::string_view DimensionName(Dimension d) { return NameOf(kDimensionNames, static_cast<uint8_t>(d)); }
std::string_view DimensionNameTh(Dimension d) { return NameOf(kDimensionNamesTh, static_cast<uint8_t>(d)); }
std::optional<Dimension> DimensionFromName(std::string_view name) {
  for (size_t i = 0; i < kDimensionNames.size(); ++i) {
    if (kDimensionNames[i] == name) return static_cast<Dimension>(i);
  }
  return std::nullopt;
}

std::string_view LevelName(Level l) { return NameOf(kLevelNames, static_cast<uint8_t>(l)); }
std::string_view LevelNameTh(Level l) { return NameOf(kLevelNamesTh, static_cast<uint8_t>(l)); }
std::optional<Level> LevelFromName(std::string_view name) {
  for (size_t i = 0; i < kLevelNames.size(); ++i) {
    if (kLevelNames[i] == name) return static_cast<Level>(i);
  }
  return std::nullopt;
}

std::string_view TargetSourceName(TargetSource s) { return NameOf(kSourceNames, static_cast<uint8_t>(s)); }
std::string_view ExitReasonName(ExitReason r) { return NameOf(kExitNames, static_cast<uint8_t>(r)); }
std::string_view WelfareRightName(WelfareRight r) { return NameOf(kRightNames, static_cast<uint8_t>(r)); }
std::string_view WelfareResultName(WelfareResult r) { return NameOf(kResultNames, static_cast<uint8_t>(r)); }

}  // namespace ledger
