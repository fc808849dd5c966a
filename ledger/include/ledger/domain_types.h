// The programme's vocabulary as plain C++ enums (DOMAIN.md), for code that
// does not include the Cap'n Proto generated headers: dimensions, levels,
// targeting sources, exit reasons, welfare rights and results. Ordinals are
// those of schemas/ledger.capnp (contract: never renumbered).
//
//   for (Dimension d : kDimensions) fmt::print("{} {}\n", DimensionName(d), DimensionNameTh(d));
//   std::optional<Level> l = LevelFromName("sufficient");
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace ledger {

enum class Dimension : uint8_t { kHealth = 0, kLiving = 1, kEducation = 2, kIncome = 3, kAccess = 4 };
inline constexpr int kDimensionCount = 5;
inline constexpr std::array<Dimension, kDimensionCount> kDimensions = {
    Dimension::kHealth, Dimension::kLiving, Dimension::kEducation, Dimension::kIncome, Dimension::kAccess};

enum class Level : uint8_t { kSurvive = 0, kSufficient = 1, kSustainable = 2 };
inline constexpr int kLevelCount = 3;
inline constexpr std::array<Level, kLevelCount> kLevels = {Level::kSurvive, Level::kSufficient,
                                                           Level::kSustainable};

enum class TargetSource : uint8_t { kTpmap = 0, kMissed = 1, kVulnerable = 2, kProgrammeSelection = 3 };
inline constexpr int kTargetSourceCount = 4;

enum class ExitReason : uint8_t { kGraduated = 0, kMoved = 1, kDeceased = 2, kDuplicateRecord = 3 };
inline constexpr int kExitReasonCount = 4;

enum class WelfareRight : uint8_t { kElderly = 0, kDisability = 1, kNewborn = 2, kEducation = 3, kWelfareCard = 4 };
inline constexpr int kWelfareRightCount = 5;

enum class WelfareResult : uint8_t { kAlreadyReceiving = 0, kEnrolledNow = 1, kNotEligible = 2 };
inline constexpr int kWelfareResultCount = 3;

// English identifiers as used in JSON and on command lines: "health",
// "living", "education", "income", "access".
std::string_view DimensionName(Dimension d);
// Thai: "สุขภาพ", "ความเป็นอยู่", "การศึกษา", "รายได้", "การเข้าถึงบริการรัฐ".
std::string_view DimensionNameTh(Dimension d);
std::optional<Dimension> DimensionFromName(std::string_view name);

// "survive", "sufficient", "sustainable" / "อยู่รอด", "พอเพียง", "ยั่งยืน".
std::string_view LevelName(Level l);
std::string_view LevelNameTh(Level l);
std::optional<Level> LevelFromName(std::string_view name);

// "tpmap", "missed", "vulnerable", "programme_selection".
std::string_view TargetSourceName(TargetSource s);
// "graduated", "moved", "deceased", "duplicate_record".
std::string_view ExitReasonName(ExitReason r);
// "elderly", "disability", "newborn", "education", "welfare_card".
std::string_view WelfareRightName(WelfareRight r);
// "already_receiving", "enrolled_now", "not_eligible".
std::string_view WelfareResultName(WelfareResult r);

}  // namespace ledger
