#include "ledger/testing/event_factory.h"

#include <stdexcept>

#include "ledger/event_json.h"

namespace ledger {
namespace {
capnp::Data::Reader AsData(const std::string& s) {
  return capnp::Data::Reader(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}
}  // namespace

EventFactory::EventFactory(uint64_t seed) : seed_(seed) {}

std::string EventFactory::NextKey() {
  std::string in = BigEndian64(seed_) + BigEndian64(counter_++);
  Hash h = Sha256(in);
  return std::string(reinterpret_cast<const char*>(h.data()), 16);
}

std::string EventFactory::Make(const EventSigner& signer, const std::string& household,
                               const CivilDate& occurred,
                               const std::function<void(schema::Payload::Builder)>& fill) {
  capnp::MallocMessageBuilder msg;
  auto body = msg.initRoot<schema::EventBody>();
  body.setHousehold(household);
  body.setAgency(signer.agency);
  body.setOfficer(signer.officer);
  auto occ = body.initOccurredAt();
  auto date = occ.initDate();
  date.setYear(static_cast<int16_t>(occurred.year));
  date.setMonth(static_cast<uint8_t>(occurred.month));
  date.setDay(static_cast<uint8_t>(occurred.day));
  body.setIdempotencyKey(AsData(NextKey()));
  fill(body.initPayload());
  return SignBody(body.asReader(), *signer.key);
}

std::string EventFactory::MenuPublished(const PrivateKey& root_key, uint32_t version, const CivilDate& occurred,
                                        const std::vector<MenuRow>& rows) {
  nlohmann::json event = MenuPublishedJson(rows, version, kDefaultMenuPublisher, FormatDate(occurred),
                                           "menu for a test");
  event["idempotency_key"] = ToHex(NextKey());
  auto body = BodyFromJson(event);
  if (!body.ok()) throw std::runtime_error("EventFactory::MenuPublished: " + body.status().ToString());
  auto signed_body = SignBodyBytes(*body, root_key);
  if (!signed_body.ok()) throw std::runtime_error("EventFactory::MenuPublished: " + signed_body.status().ToString());
  return *signed_body;
}

std::string EventFactory::AgencyRegistered(const PrivateKey& root_key, const std::string& code,
                                           const std::string& name_th, const std::string& name_en,
                                           const std::vector<schema::Dimension>& dimensions,
                                           const std::string& agency_public_key, const CivilDate& occurred,
                                           const std::string& province) {
  return Make({code, "", &root_key}, "", occurred, [&](schema::Payload::Builder p) {
    auto a = p.initAgencyRegistered();
    a.setCode(code);
    a.setNameTh(name_th);
    a.setNameEn(name_en);
    auto dims = a.initDimensions(static_cast<unsigned>(dimensions.size()));
    for (unsigned i = 0; i < dimensions.size(); ++i) dims.set(i, dimensions[i]);
    a.setPublicKey(AsData(agency_public_key));
    a.setProvince(province);
  });
}

std::string EventFactory::OfficerRegistered(const PrivateKey& agency_key, const std::string& agency,
                                            const std::string& officer_id, const std::string& officer_public_key,
                                            const CivilDate& occurred, schema::OfficerRole role,
                                            const std::vector<std::string>& areas) {
  return Make({agency, "", &agency_key}, "", occurred, [&](schema::Payload::Builder p) {
    auto o = p.initOfficerRegistered();
    o.setOfficerId(officer_id);
    o.setAgency(agency);
    o.setRole(role);
    o.setPublicKey(AsData(officer_public_key));
    auto list = o.initAreas(static_cast<unsigned>(areas.size()));
    for (unsigned i = 0; i < areas.size(); ++i) list.set(i, areas[i]);
  });
}

std::string EventFactory::OfficerKeyRevoked(const PrivateKey& agency_key, const std::string& agency,
                                            const std::string& officer_id, const std::string& reason,
                                            const CivilDate& occurred) {
  return Make({agency, "", &agency_key}, "", occurred, [&](schema::Payload::Builder p) {
    auto r = p.initOfficerKeyRevoked();
    r.setOfficerId(officer_id);
    r.setAgency(agency);
    r.setReason(reason);
  });
}

std::string EventFactory::HouseholdTargeted(const EventSigner& s, const std::string& house_code,
                                            const std::string& subdistrict, uint16_t survey_year_be,
                                            const std::vector<uint8_t>& failing_indicators, uint16_t members,
                                            const CivilDate& occurred) {
  return Make(s, house_code, occurred, [&](schema::Payload::Builder p) {
    FillHouseholdTargeted(p, house_code, subdistrict, survey_year_be, failing_indicators, members);
  });
}

void EventFactory::FillHouseholdTargeted(schema::Payload::Builder p, const std::string& house_code,
                                         const std::string& subdistrict, uint16_t survey_year_be,
                                         const std::vector<uint8_t>& failing_indicators, uint16_t members) {
  auto t = p.initHouseholdTargeted();
  t.setHouseCode(house_code);
  t.setProvince(subdistrict.substr(0, 2));
  t.setDistrict(subdistrict.substr(0, 4));
  t.setSubdistrict(subdistrict);
  t.setSurveyYear(survey_year_be);
  t.setSource(schema::TargetSource::TPMAP);
  auto f = t.initFailingIndicators(static_cast<unsigned>(failing_indicators.size()));
  for (unsigned i = 0; i < failing_indicators.size(); ++i) f.set(i, failing_indicators[i]);
  t.setMembers(members);
}

std::string EventFactory::AssistanceGiven(const EventSigner& s, const std::string& household,
                                          schema::Dimension dimension, uint8_t indicator,
                                          const std::string& menu_item, int64_t value_satang,
                                          const CivilDate& occurred) {
  return Make(s, household, occurred, [&](schema::Payload::Builder p) {
    auto a = p.initAssistanceGiven();
    a.setDimension(dimension);
    a.setIndicator(indicator);
    a.setMenuItem(menu_item);
    a.setQuantity(1);
    a.setUnit("set");
    a.setValueSatang(value_satang);
  });
}

}  // namespace ledger
