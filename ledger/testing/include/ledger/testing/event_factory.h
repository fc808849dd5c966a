// Builds and signs events for tools, demos, benchmarks and tests. Includes
// the generated schema (through event_codec.h): for .cc files only.
//
//   EventFactory f(/*seed=*/42);                         // deterministic keys
//   std::string a = f.AgencyRegistered(root_key, "PHO-33", "...", "...",
//                                      {schema::Dimension::HEALTH}, agency_key.PublicKeyBytes(), date);
//   std::string e = f.Make({"PHO-33", "off-1", &officer_key}, "33010012345", date,
//                          [](schema::Payload::Builder p) { p.initHouseholdVisited().setPurpose("x"); });
//
// Idempotency keys are SHA-256(seed || counter)[0:16]: reproducible for a
// given seed, unique within one factory.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "ledger/event.h"
#include "ledger/event_codec.h"
#include "ledger/menu.h"

namespace ledger {

struct EventSigner {
  std::string agency;
  std::string officer;            // "" for agency-key or root-key events
  const PrivateKey* key = nullptr;
};

class EventFactory {
 public:
  explicit EventFactory(uint64_t seed);

  // The next idempotency key.
  std::string NextKey();

  // Any event: `fill` sets the payload.
  std::string Make(const EventSigner& signer, const std::string& household, const CivilDate& occurred,
                   const std::function<void(schema::Payload::Builder)>& fill);

  std::string AgencyRegistered(const PrivateKey& root_key, const std::string& code, const std::string& name_th,
                               const std::string& name_en, const std::vector<schema::Dimension>& dimensions,
                               const std::string& agency_public_key, const CivilDate& occurred,
                               const std::string& province = "");
  std::string OfficerRegistered(const PrivateKey& agency_key, const std::string& agency,
                                const std::string& officer_id, const std::string& officer_public_key,
                                const CivilDate& occurred, schema::OfficerRole role = schema::OfficerRole::MENTOR,
                                const std::vector<std::string>& areas = {});
  std::string OfficerKeyRevoked(const PrivateKey& agency_key, const std::string& agency,
                                const std::string& officer_id, const std::string& reason,
                                const CivilDate& occurred);
  // A version of the menu (ledger/menu.h's MenuPublishedJson), signed by the
  // operator's root key; by default the shipped data/menu.csv.
  std::string MenuPublished(const PrivateKey& root_key, uint32_t version, const CivilDate& occurred,
                            const std::vector<MenuRow>& rows = BuiltinMenu());
  // house code -> area codes are taken from its sub-district code.
  std::string HouseholdTargeted(const EventSigner& s, const std::string& house_code,
                                const std::string& subdistrict, uint16_t survey_year_be,
                                const std::vector<uint8_t>& failing_indicators, uint16_t members,
                                const CivilDate& occurred);
  // The HouseholdTargeted payload of the above (source TPMAP), for callers
  // that build their own bodies.
  static void FillHouseholdTargeted(schema::Payload::Builder p, const std::string& house_code,
                                    const std::string& subdistrict, uint16_t survey_year_be,
                                    const std::vector<uint8_t>& failing_indicators, uint16_t members);
  std::string AssistanceGiven(const EventSigner& s, const std::string& household, schema::Dimension dimension,
                              uint8_t indicator, const std::string& menu_item, int64_t value_satang,
                              const CivilDate& occurred);

 private:
  uint64_t seed_;
  uint64_t counter_ = 0;
};

}  // namespace ledger
