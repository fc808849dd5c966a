#include "workload.h"

#include <fmt/format.h>

#include <array>
#include <stdexcept>
#include <thread>

#include "ledger/testing/event_factory.h"
#include "ledger/reference.h"

namespace ledger::bench {
namespace {

constexpr int kOfficers = 8;
constexpr const char* kAgency = "PHO-33";
constexpr const char* kOrigin = "bench.ledger.test/sisaket";
constexpr CivilDate kRegistered{2022, 1, 4};

// Real sub-district codes of Sisaket (province 33), from
// data/thai_admin_divisions.csv. House codes are sub-district ||
// 5 digits, so 4 M households (16 M events) before a code repeats.
constexpr std::array<const char*, 40> kSubdistricts = {
    "330101", "330102", "330103", "330104", "330105", "330106", "330107", "330111", "330112", "330115",
    "330116", "330118", "330119", "330121", "330122", "330123", "330124", "330127", "330201", "330202",
    "330203", "330204", "330205", "330206", "330207", "330301", "330302", "330303", "330304", "330305",
    "330306", "330307", "330308", "330309", "330310", "330311", "330312", "330313", "330314", "330315",
};

PrivateKey KeyFromLabel(const std::string& label) {
  Hash seed = Sha256("ledger-bench key " + label);
  auto key = PrivateKey::FromSeed(std::string_view(reinterpret_cast<const char*>(seed.data()), seed.size()));
  if (!key.ok()) throw std::runtime_error("ledger-bench: cannot derive key " + label);
  return std::move(*key);
}

std::string OfficerId(int i) { return fmt::format("off-{:02d}", i); }

capnp::Data::Reader AsData(const Hash& h) { return capnp::Data::Reader(h.data(), h.size()); }

}  // namespace

struct Workload::Keys {
  PrivateKey root = KeyFromLabel("root");
  PrivateKey server = KeyFromLabel("server");
  PrivateKey agency = KeyFromLabel("agency");
  std::vector<PrivateKey> officers;
  std::vector<std::string> officer_ids;

  Keys() {
    for (int i = 0; i < kOfficers; ++i) {
      officers.push_back(KeyFromLabel(OfficerId(i)));
      officer_ids.push_back(OfficerId(i));
    }
  }
};

Workload::Workload() : keys_(std::make_shared<const Keys>()) {}

StatusOr<std::unique_ptr<Ledger>> Workload::CreateLedger(const std::string& dir,
                                                         const LedgerOptions& options) const {
  CreateOptions c;
  c.origin = kOrigin;
  c.root_public_key = keys_->root.PublicKeyBytes();
  ASSIGN_OR_RETURN(PrivateKey server, PrivateKey::FromSeed(keys_->server.Seed()));
  return Ledger::Create(dir, c, std::move(server), options);
}

StatusOr<std::unique_ptr<Ledger>> Workload::OpenLedger(const std::string& dir, const LedgerOptions& options) const {
  ASSIGN_OR_RETURN(PrivateKey server, PrivateKey::FromSeed(keys_->server.Seed()));
  return Ledger::Open(dir, std::move(server), options);
}

std::vector<std::string> Workload::Bootstrap() const {
  EventFactory f(/*seed=*/0xB007);
  std::vector<std::string> out;
  out.push_back(f.AgencyRegistered(
      keys_->root, kAgency, "สำนักงานสาธารณสุขจังหวัดศรีสะเกษ", "Sisaket Provincial Public Health Office",
      {schema::Dimension::HEALTH, schema::Dimension::LIVING, schema::Dimension::EDUCATION,
       schema::Dimension::INCOME, schema::Dimension::ACCESS},
      keys_->agency.PublicKeyBytes(), kRegistered, "33"));
  for (int i = 0; i < kOfficers; ++i) {
    out.push_back(f.OfficerRegistered(keys_->agency, kAgency, keys_->officer_ids[i],
                                      keys_->officers[i].PublicKeyBytes(), kRegistered));
  }
  return out;
}

std::vector<std::string> Workload::Households(uint64_t first, uint64_t count) const {
  // One factory per call, seeded by the first household: keys stay unique
  // across calls and reproducible.
  EventFactory f(0x5EED0000'00000000ULL ^ first);
  // Indicators of the reference table; help must address one of its own
  // dimension (rules.cc).
  static const std::vector<int> kIncomeIndicators = ReferenceData::Builtin().IndicatorsOf(Dimension::kIncome);
  static const std::vector<int> kLivingIndicators = ReferenceData::Builtin().IndicatorsOf(Dimension::kLiving);
  std::vector<std::string> out;
  out.reserve(count * kEventsPerHousehold);
  for (uint64_t h = first; h < first + count; ++h) {
    const std::string subdistrict = kSubdistricts[h % kSubdistricts.size()];
    const std::string house = fmt::format("{}{:05d}", subdistrict, (h / kSubdistricts.size()) % 100000);
    const int o = static_cast<int>(h % kOfficers);
    const EventSigner s{kAgency, keys_->officer_ids[o], &keys_->officers[o]};
    const CivilDate day{2022, 3 + static_cast<int>(h % 9), 1 + static_cast<int>(h % 28)};
    const uint8_t indicator = static_cast<uint8_t>(kIncomeIndicators[h % kIncomeIndicators.size()]);
    Hash evidence = Sha256(fmt::format("photo-{}.jpg", h));
    auto visit = [&](const char* purpose) {
      return f.Make(s, house, day, [&](schema::Payload::Builder p) {
        auto v = p.initHouseholdVisited();
        v.setPurpose(purpose);
        auto gps = v.getLocation().initGps();
        gps.setLatMicrodeg(15'118'000 + static_cast<int32_t>(h % 100'000));
        gps.setLonMicrodeg(104'322'000 + static_cast<int32_t>(h % 70'000));
        v.initEvidence(1).set(0, AsData(evidence));
      });
    };
    out.push_back(f.HouseholdTargeted(s, house, subdistrict, 2565,
                                      {indicator, static_cast<uint8_t>(kLivingIndicators[h % kLivingIndicators.size()])},
                                      static_cast<uint16_t>(1 + h % 7), day));
    out.push_back(visit("first visit: problems analysed with the family"));
    out.push_back(f.AssistanceGiven(s, house, schema::Dimension::INCOME, indicator, "INC-07-seedlings",
                                    150'000 + static_cast<int64_t>(h % 10) * 1'000, day));
    out.push_back(visit("follow-up"));
  }
  return out;
}

std::vector<std::string> Workload::HouseholdsParallel(uint64_t first, uint64_t count, int threads) const {
  if (threads <= 1 || count < 64) return Households(first, count);
  std::vector<std::vector<std::string>> parts(threads);
  std::vector<std::thread> workers;
  const uint64_t per = (count + threads - 1) / threads;
  for (int t = 0; t < threads; ++t) {
    uint64_t begin = first + per * t;
    uint64_t end = std::min(first + count, begin + per);
    if (begin >= end) break;
    workers.emplace_back([&, t, begin, end] { parts[t] = Households(begin, end - begin); });
  }
  for (auto& w : workers) w.join();
  std::vector<std::string> out;
  out.reserve(count * kEventsPerHousehold);
  for (auto& p : parts) {
    for (auto& e : p) out.push_back(std::move(e));
  }
  return out;
}

const std::string& Workload::OfficerPublicKey(const std::string& officer_id) const {
  for (size_t i = 0; i < keys_->officer_ids.size(); ++i) {
    if (keys_->officer_ids[i] == officer_id) return keys_->officers[i].PublicKeyBytes();
  }
  throw std::out_of_range("ledger-bench: unknown officer " + officer_id);
}

}  // namespace ledger::bench
