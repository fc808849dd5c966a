// Synthetic Thai citizen IDs for seeded households: 13 digits whose last is
// the check digit of DOMAIN.md, C = (11 - (sum_{i=0..11} d_i * (13 - i)) mod 11) mod 10.
// They never enter the ledger: events carry HMAC-SHA-256(operator secret, ID).
//
//   std::string id = SyntheticCitizenId(rng_value);      // "1101700203451"-like
//   assert(CitizenIdValid(id));
//   Hash keyed = HmacSha256(secret, id);                  // what the ledger holds
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace ledger::seed {

// The check digit of the first 12 digits.
int CitizenIdCheckDigit(std::string_view first12);
// 13 ASCII digits with a correct check digit.
bool CitizenIdValid(std::string_view id);
// An ID from 64 random bits: first digit 1..8 (the person-type digits),
// then 11 digits, then the check digit.
std::string SyntheticCitizenId(uint64_t random);

}  // namespace ledger::seed
