#include "seed/citizen_id.h"

namespace ledger::seed {

int CitizenIdCheckDigit(std::string_view first12) {
  int sum = 0;
  for (int i = 0; i < 12; ++i) sum += (first12[i] - '0') * (13 - i);
  return (11 - sum % 11) % 10;
}

bool CitizenIdValid(std::string_view id) {
  if (id.size() != 13) return false;
  for (char c : id) {
    if (c < '0' || c > '9') return false;
  }
  return CitizenIdCheckDigit(id.substr(0, 12)) == id[12] - '0';
}

std::string SyntheticCitizenId(uint64_t random) {
  std::string id(1, static_cast<char>('1' + random % 8));
  random /= 8;
  for (int i = 0; i < 11; ++i) {
    id.push_back(static_cast<char>('0' + random % 10));
    random /= 10;
  }
  id.push_back(static_cast<char>('0' + CitizenIdCheckDigit(id)));
  return id;
}

}  // namespace ledger::seed
