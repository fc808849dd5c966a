// Test fixture support: a temporary store with an operator root key, one
// registered agency and officers, and an EventFactory to make events.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <random>
#include <set>
#include <string>

#include "ledger/testing/event_factory.h"
#include "ledger/ledger.h"

namespace ledger::testing {

// A fresh directory under the system temp dir, removed on destruction.
class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ = (std::filesystem::temp_directory_path() /
             ("ledger-test-" + std::to_string(::getpid()) + "-" + std::to_string(rd())))
                .string();
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string Sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

inline PrivateKey KeyFromByte(uint8_t b) {
  return *PrivateKey::FromSeed(std::string(32, static_cast<char>(b)));
}

inline constexpr CivilDate kDay{2022, 3, 15};

// An EventFactory that remembers the houses it made HouseholdTargeted
// events for (World::Visit uses it).
struct TrackingFactory : EventFactory {
  using EventFactory::EventFactory;
  std::string HouseholdTargeted(const EventSigner& s, const std::string& house_code, const std::string& subdistrict,
                                uint16_t survey_year_be, const std::vector<uint8_t>& failing_indicators,
                                uint16_t members, const CivilDate& occurred) {
    targeted.insert(house_code);
    return EventFactory::HouseholdTargeted(s, house_code, subdistrict, survey_year_be, failing_indicators, members,
                                           occurred);
  }
  std::set<std::string> targeted;
};

// Keys and identities used by most tests.
struct World {
  PrivateKey root = KeyFromByte(1);
  PrivateKey server = KeyFromByte(2);
  PrivateKey agency = KeyFromByte(3);
  PrivateKey officer = KeyFromByte(4);
  PrivateKey officer2 = KeyFromByte(5);
  std::string agency_code = "PHO-33";
  TrackingFactory factory{7};

  EventSigner Officer() const { return {agency_code, "off-1", &officer}; }
  EventSigner Officer2() const { return {agency_code, "off-2", &officer2}; }

  StatusOr<std::unique_ptr<Ledger>> Create(const std::string& dir, LedgerOptions options = {}) {
    CreateOptions c;
    c.origin = "ledger.test/sisaket";
    c.root_public_key = root.PublicKeyBytes();
    return Ledger::Create(dir, c, KeyFromByte(2), options);
  }
  StatusOr<std::unique_ptr<Ledger>> Open(const std::string& dir, LedgerOptions options = {}) {
    return Ledger::Open(dir, KeyFromByte(2), options);
  }

  // The registry events: agency, two officers.
  std::vector<std::string> Bootstrap() {
    return {
        factory.AgencyRegistered(root, agency_code, "สำนักงานสาธารณสุขจังหวัดศรีสะเกษ",
                                 "Sisaket Provincial Public Health Office", {schema::Dimension::HEALTH},
                                 agency.PublicKeyBytes(), kDay, "33"),
        factory.OfficerRegistered(agency, agency_code, "off-1", officer.PublicKeyBytes(), kDay),
        factory.OfficerRegistered(agency, agency_code, "off-2", officer2.PublicKeyBytes(), kDay),
    };
  }

  // House `i`'s code: "3301" + 7 digits (Mueang Si Sa Ket district).
  static std::string HouseCode(int i) {
    char code[16];
    std::snprintf(code, sizeof code, "3301%07d", i);
    return code;
  }

  // Targets house `i` (survey year 2565, sub-district 330101, failing
  // indicators 4 and 22).
  std::string Target(int i, const EventSigner& s) {
    return factory.HouseholdTargeted(s, HouseCode(i), "330101", 2565, {4, 22}, 4, kDay);
  }
  std::string Target(int i) { return Target(i, Officer()); }

  // A household event that passes every domain rule for house `i`: the
  // first event this World makes for a house targets it (HouseholdTargeted,
  // since every other household event needs a targeted household); later
  // ones are visits (HouseholdVisited). Targetings made with `factory`
  // count. Assumes the events are appended in the order they are made.
  std::string Visit(int i, const EventSigner& s) {
    std::string code = HouseCode(i);
    if (!factory.targeted.count(code)) return Target(i, s);
    return factory.Make(s, code, kDay, [](schema::Payload::Builder p) {
      p.initHouseholdVisited().setPurpose("follow-up");
    });
  }
  std::string Visit(int i) { return Visit(i, Officer()); }
};

// Appends and asserts every event was stored.
inline std::vector<AppendResult> AppendOk(Ledger& l, std::vector<std::string> events) {
  std::vector<AppendResult> out;
  for (auto& r : l.Append(std::move(events))) {
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (r.ok()) out.push_back(*r);
  }
  return out;
}

}  // namespace ledger::testing
