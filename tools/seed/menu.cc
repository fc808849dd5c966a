#include "seed/menu.h"

#include <array>

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

constexpr MenuItem kHealthMenu[] = {
    {"H-01", Dimension::kHealth, 4, "ถุงยังชีพ (food kit)", "set", 50'000, 150'000},
    {"H-02", Dimension::kHealth, 5, "ชุดยาสามัญประจำบ้าน (household medicine kit)", "kit", 20'000, 50'000},
    {"H-03", Dimension::kHealth, 1, "นมผงและอาหารเสริมแม่และเด็ก (infant formula)", "box", 30'000, 90'000},
    {"H-04", Dimension::kHealth, 7, "คัดกรองสุขภาพและอุปกรณ์ออกกำลังกาย (screening, exercise kit)", "visit", 0, 40'000},
    {"H-05", Dimension::kHealth, 0, "รถเข็นผู้ป่วย (wheelchair)", "piece", 300'000, 600'000},
};
constexpr MenuItem kLivingMenu[] = {
    {"L-01", Dimension::kLiving, 8, "ซ่อมแซมบ้าน (house repair)", "house", 1'500'000, 4'000'000},
    {"L-02", Dimension::kLiving, 9, "ถังเก็บน้ำดื่ม (drinking-water tank)", "tank", 300'000, 800'000},
    {"L-03", Dimension::kLiving, 10, "ต่อท่อประปา (water connection)", "connection", 200'000, 600'000},
    {"L-04", Dimension::kLiving, 11, "ปรับปรุงห้องน้ำ (toilet and hygiene)", "room", 800'000, 1'500'000},
};
constexpr MenuItem kEducationMenu[] = {
    {"E-01", Dimension::kEducation, 16, "ทุนการศึกษา (scholarship)", "term", 200'000, 500'000},
    {"E-02", Dimension::kEducation, 16, "อุปกรณ์การเรียนและชุดนักเรียน (school supplies, uniform)", "set", 50'000, 150'000},
    {"E-03", Dimension::kEducation, 19, "เรียน กศน. (non-formal education enrolment)", "course", 0, 0},
    {"E-04", Dimension::kEducation, 15, "ค่าเดินทางศูนย์เด็กเล็ก (pre-school transport)", "term", 30'000, 80'000},
};
constexpr MenuItem kIncomeMenu[] = {
    {"I-01", Dimension::kIncome, 20, "เมล็ดพันธุ์ผักและกล้าไม้ (vegetable seeds, seedlings)", "set", 20'000, 50'000},
    {"I-02", Dimension::kIncome, 22, "ไก่ไข่และอาหารสัตว์ (laying hens and feed)", "set", 100'000, 300'000},
    {"I-03", Dimension::kIncome, 20, "ฝึกอาชีพ (vocational training)", "course", 0, 200'000},
    {"I-04", Dimension::kIncome, 22, "เงินทุนประกอบอาชีพ (livelihood fund)", "grant", 500'000, 2'000'000},
    {"I-05", Dimension::kIncome, 21, "พันธุ์ปลาและบ่อ (fish fry and pond)", "set", 50'000, 100'000},
};
constexpr MenuItem kAccessMenu[] = {
    {"A-01", Dimension::kAccess, 0, "ลงทะเบียนบัตรสวัสดิการแห่งรัฐ (welfare card registration)", "case", 0, 0},
    {"A-02", Dimension::kAccess, 28, "ขึ้นทะเบียนเบี้ยความพิการ (disability allowance)", "case", 80'000, 80'000},
    {"A-03", Dimension::kAccess, 27, "ดูแลผู้สูงอายุที่บ้าน (home care for the elderly)", "visit", 0, 30'000},
    {"A-04", Dimension::kAccess, 0, "ทำบัตรประชาชนและทะเบียนบ้าน (ID card, house registration)", "case", 0, 0},
};

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

std::span<const MenuItem> MenuOf(Dimension d) {
  switch (d) {
    case Dimension::kHealth: return kHealthMenu;
    case Dimension::kLiving: return kLivingMenu;
    case Dimension::kEducation: return kEducationMenu;
    case Dimension::kIncome: return kIncomeMenu;
    case Dimension::kAccess: return kAccessMenu;
  }
  return {};
}

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
