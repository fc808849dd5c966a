// The order of the append checks (docs/protocol.md §3.1): the trust chain
// (signer's key, signature) before the idempotency lookup, and a replayed
// key answered as a duplicate only for the same signed body bytes
// (IDEMPOTENCY_CONFLICT otherwise), stored, in flight or in the same batch.
#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <optional>

#include "ledger/event.h"
#include "ledger/event_codec.h"
#include "ledger/reasons.h"
#include "ledger/verify.h"
#include "support/test_ledger.h"

namespace ledger {
namespace {

using testing::AppendOk;
using testing::KeyFromByte;
using testing::kDay;
using testing::TempDir;
using testing::World;

capnp::Data::Reader AsData(const std::string& s) {
  return capnp::Data::Reader(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

std::string Flat(capnp::MessageBuilder& b) {
  auto words = capnp::messageToFlatArray(b);
  return std::string(reinterpret_cast<const char*>(words.asBytes().begin()), words.asBytes().size());
}

std::string KeyOf(const std::string& signed_body) {
  auto m = MessageBytes::Parse(signed_body, /*framed=*/true);
  EXPECT_TRUE(m.ok());
  auto k = m->Root<schema::SignedBody>().getBody().getIdempotencyKey();
  return std::string(reinterpret_cast<const char*>(k.begin()), k.size());
}

// What an attacker or a confused client sends: the body of `signed_body`
// with idempotency key `key`, agency and officer changed when given, then
// signed with `signer`, or (signer == nullptr) carrying `signature` as is.
struct Forge {
  explicit Forge(std::string k) : key(std::move(k)) {}
  Forge& Agency(std::string a) { agency = std::move(a); return *this; }
  Forge& Officer(std::string o) { officer = std::move(o); return *this; }
  Forge& SignedBy(const PrivateKey& k) { signer = &k; return *this; }
  Forge& Signature(std::string sig) { signature = std::move(sig); return *this; }

  std::string key;
  std::optional<std::string> agency, officer;
  const PrivateKey* signer = nullptr;
  std::string signature = std::string(64, '\0');
};
std::string Forged(const std::string& signed_body, const Forge& f) {
  auto m = MessageBytes::Parse(signed_body, /*framed=*/true);
  EXPECT_TRUE(m.ok());
  capnp::MallocMessageBuilder b;
  b.setRoot(m->Root<schema::SignedBody>().getBody());
  auto body = b.getRoot<schema::EventBody>();
  body.setIdempotencyKey(AsData(f.key));
  if (f.agency) body.setAgency(*f.agency);
  if (f.officer) body.setOfficer(*f.officer);
  if (f.signer != nullptr) return SignBody(body.asReader(), *f.signer);
  capnp::MallocMessageBuilder out;
  auto sb = out.initRoot<schema::SignedBody>();
  sb.setBody(body.asReader());
  sb.setSignature(AsData(f.signature));
  return Flat(out);
}

// The leaf bytes stored at `seq` still hold the event with key `key`.
void ExpectStoredKey(Ledger& l, uint64_t seq, const std::string& key) {
  auto leaf = l.LeafBytes(seq);
  ASSERT_TRUE(leaf.ok()) << leaf.status().ToString();
  auto e = DecodeEvent(*leaf);
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_EQ(e->idempotency_key, key);
}

// A second agency with one officer, besides World's PHO-33.
struct OtherAgency {
  static constexpr char kCode[] = "DOAE-33";
  PrivateKey agency_key = KeyFromByte(6);
  PrivateKey officer_key = KeyFromByte(8);
  EventSigner Officer() const { return {kCode, "off-9", &officer_key}; }
  std::vector<std::string> Bootstrap(World& w) const {
    return {w.factory.AgencyRegistered(w.root, kCode, "สำนักงานเกษตรจังหวัดศรีสะเกษ", "Sisaket Agriculture Office",
                                       {schema::Dimension::INCOME}, agency_key.PublicKeyBytes(), kDay, "33"),
            w.factory.OfficerRegistered(agency_key, kCode, "off-9", officer_key.PublicKeyBytes(), kDay)};
  }
};

class AppendOrderTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }
  void Open(LedgerOptions o = {}) {
    auto l = w.Create(dir.path(), o);
    ASSERT_TRUE(l.ok()) << l.status().ToString();
    ledger = std::move(*l);
    boot = w.Bootstrap();
    AppendOk(*ledger, boot);
    AppendOk(*ledger, other.Bootstrap(w));
  }
  // Closes and reopens the store: replays are then looked up on disk only.
  void Reopen() {
    ledger.reset();
    auto l = w.Open(dir.path());
    ASSERT_TRUE(l.ok()) << l.status().ToString();
    ledger = std::move(*l);
  }
  // Appends `e`, which must be stored.
  AppendResult Stored(const std::string& e) {
    auto r = AppendOk(*ledger, {e});
    EXPECT_EQ(r.size(), 1u);
    return r.empty() ? AppendResult{} : r[0];
  }

  TempDir dir;
  World w;
  OtherAgency other;
  std::unique_ptr<Ledger> ledger;
  std::vector<std::string> boot;   // World's registry events, seqs 0..2
};

// Attack 1: an unregistered officer, an all-zero signature, an existing key.
TEST_F(AppendOrderTest, UnregisteredOfficerWithZeroSignatureAndExistingKeyIsUnknownOfficer) {
  const std::string original = w.Visit(1);
  const AppendResult first = Stored(original);
  const std::string key = KeyOf(original);
  const uint64_t size = ledger->Size();
  for (bool reopen : {false, true}) {
    if (reopen) Reopen();
    // The original body but another officer, nobody's signature.
    auto r = ledger->Append({Forged(original, Forge(key).Officer("off-404"))});
    ASSERT_FALSE(r[0].ok()) << "answered seq " << r[0]->seq << " duplicate " << r[0]->duplicate;
    EXPECT_EQ(r[0].status().reason(), reason::kUnknownOfficer);
    // The original body byte for byte, with an all-zero signature.
    r = ledger->Append({Forged(original, Forge(key))});
    ASSERT_FALSE(r[0].ok()) << "answered seq " << r[0]->seq << " duplicate " << r[0]->duplicate;
    EXPECT_EQ(r[0].status().reason(), reason::kBadSignature);
    // An agency nobody registered.
    r = ledger->Append({Forged(original, Forge(key).Agency("NOBODY-1"))});
    ASSERT_FALSE(r[0].ok());
    EXPECT_EQ(r[0].status().reason(), reason::kUnknownAgency);
    EXPECT_EQ(ledger->Size(), size);
  }
  ExpectStoredKey(*ledger, first.seq, key);
}

// Attack 3: a garbage-signed event reusing another agency's key.
TEST_F(AppendOrderTest, AnotherAgencysKeyIsNeverAnsweredWithThatAgencysSeq) {
  const std::string victim = w.Visit(2);   // PHO-33's event
  const AppendResult first = Stored(victim);
  const std::string key = KeyOf(victim);
  const uint64_t size = ledger->Size();
  std::string garbage(64, '\0');
  for (size_t i = 0; i < garbage.size(); ++i) garbage[i] = static_cast<char>(0x5a ^ (i * 31));
  const std::string own = w.factory.Make(other.Officer(), World::HouseCode(2), kDay, [](schema::Payload::Builder p) {
    p.initHouseholdVisited().setPurpose("follow-up");
  });
  struct Case {
    const char* what;
    std::string event;
    const char* reason;
  };
  const std::vector<Case> cases = {
      {"DOAE-33's officer, garbage signature",
       Forged(own, Forge(key).Signature(garbage)), reason::kBadSignature},
      {"DOAE-33's officer claiming PHO-33", Forged(own, Forge(key).Agency("PHO-33").SignedBy(other.officer_key)),
       reason::kOfficerAgencyMismatch},
      {"PHO-33's officer, signed with DOAE-33's officer key",
       Forged(victim, Forge(key).SignedBy(other.officer_key)), reason::kBadSignature},
      {"DOAE-33's own event, validly signed", Forged(own, Forge(key).SignedBy(other.officer_key)),
       reason::kIdempotencyConflict},
  };
  for (bool reopen : {false, true}) {
    if (reopen) Reopen();
    for (const Case& c : cases) {
      auto r = ledger->Append({c.event});
      ASSERT_FALSE(r[0].ok()) << c.what << ": answered seq " << r[0]->seq << " (PHO-33's is " << first.seq << ")";
      EXPECT_EQ(r[0].status().reason(), c.reason) << c.what << ": " << r[0].status().ToString();
    }
    EXPECT_EQ(ledger->Size(), size);
  }
  ExpectStoredKey(*ledger, first.seq, key);
}

// The writer's re-check: an officer registered in the same batch is not in
// the registry when the caller's thread checks, so only the writer can
// refuse the bad signature, and must before the key's lookup.
TEST_F(AppendOrderTest, WriterChecksTheSignatureBeforeTheKeyForASignerRegisteredInTheBatch) {
  const std::string victim = w.Visit(3);
  const AppendResult first = Stored(victim);
  const std::string key = KeyOf(victim);
  PrivateKey newcomer = KeyFromByte(21);
  PrivateKey impostor = KeyFromByte(22);
  const std::string reg = w.factory.OfficerRegistered(w.agency, w.agency_code, "off-21", newcomer.PublicKeyBytes(), kDay);
  const uint64_t size = ledger->Size();
  auto r = ledger->Append({reg, Forged(victim, Forge(key).Officer("off-21").SignedBy(impostor)),
                           Forged(victim, Forge(key).Officer("off-21"))});
  ASSERT_TRUE(r[0].ok()) << r[0].status().ToString();
  for (size_t i : {1u, 2u}) {
    ASSERT_FALSE(r[i].ok()) << i << ": answered seq " << r[i]->seq;
    EXPECT_EQ(r[i].status().reason(), reason::kBadSignature) << i;
  }
  EXPECT_EQ(ledger->Size(), size + 1);
  // Validly signed by the newcomer: its own body, so a conflict, not PHO-33's off-1 event's seq.
  r = ledger->Append({Forged(victim, Forge(key).Officer("off-21").SignedBy(newcomer))});
  ASSERT_FALSE(r[0].ok());
  EXPECT_EQ(r[0].status().reason(), reason::kIdempotencyConflict);
  ExpectStoredKey(*ledger, first.seq, key);
}

TEST_F(AppendOrderTest, RevokedKeyIsRefusedWhateverTheKey) {
  const std::string victim = w.Visit(4);
  Stored(victim);
  PrivateKey lost = KeyFromByte(23);
  AppendOk(*ledger, {w.factory.OfficerRegistered(w.agency, w.agency_code, "off-23", lost.PublicKeyBytes(), kDay),
                     w.factory.OfficerKeyRevoked(w.agency, w.agency_code, "off-23", "lost phone", kDay)});
  const uint64_t size = ledger->Size();
  auto r = ledger->Append({Forged(victim, Forge(KeyOf(victim)).Officer("off-23").SignedBy(lost))});
  ASSERT_FALSE(r[0].ok());
  EXPECT_EQ(r[0].status().reason(), reason::kKeyRevoked);
  EXPECT_EQ(ledger->Size(), size);
}

// Documented consequence (docs/protocol.md §3.1): an event whose officer's
// key was revoked after it was stored is refused when resent.
TEST_F(AppendOrderTest, ResendAfterTheSignersRevocationIsKeyRevokedNotADuplicate) {
  const std::string e = w.Visit(5);
  Stored(e);
  AppendOk(*ledger, {w.factory.OfficerKeyRevoked(w.agency, w.agency_code, "off-1", "left the office", kDay)});
  auto r = ledger->Append({e});
  ASSERT_FALSE(r[0].ok());
  EXPECT_EQ(r[0].status().reason(), reason::kKeyRevoked);
}

TEST_F(AppendOrderTest, SameKeyOtherBytesIsIdempotencyConflictAndStoresNothing) {
  const std::string original = w.Visit(6);   // targets house 6
  const AppendResult first = Stored(original);
  const std::string key = KeyOf(original);
  Stored(w.Visit(6));   // a visit: house 6's head moves on
  const uint64_t size = ledger->Size();
  // Other content under the same key, each validly signed by a registered
  // officer of the agency: another household, another officer, one changed field.
  std::string other_house = Forged(w.Visit(7), Forge(key).SignedBy(w.officer));
  std::string other_officer = Forged(original, Forge(key).Officer("off-2").SignedBy(w.officer2));
  std::string changed;
  {
    auto m = MessageBytes::Parse(original, /*framed=*/true);
    capnp::MallocMessageBuilder b;
    b.setRoot(m->Root<schema::SignedBody>().getBody());
    auto body = b.getRoot<schema::EventBody>();
    body.getPayload().getHouseholdTargeted().setMembers(5);
    changed = SignBody(body.asReader(), w.officer);
  }
  for (bool reopen : {false, true}) {
    if (reopen) Reopen();
    for (const std::string* e : {&other_house, &other_officer, &changed}) {
      auto r = ledger->Append({*e});
      ASSERT_FALSE(r[0].ok()) << "answered seq " << r[0]->seq << " duplicate " << r[0]->duplicate;
      EXPECT_EQ(r[0].status().reason(), reason::kIdempotencyConflict);
      EXPECT_EQ(r[0].status().code(), StatusCode::kAlreadyExists);
      EXPECT_NE(r[0].status().message().find("seq " + std::to_string(first.seq)), std::string::npos)
          << r[0].status().message();
    }
    EXPECT_EQ(ledger->Size(), size);
    // The identical bytes are still the original, duplicate.
    auto again = ledger->Append({original});
    ASSERT_TRUE(again[0].ok()) << again[0].status().ToString();
    EXPECT_TRUE(again[0]->duplicate);
    EXPECT_EQ(again[0]->seq, first.seq);
    EXPECT_EQ(again[0]->leaf_hash, first.leaf_hash);
    EXPECT_EQ(ledger->Size(), size);
  }
  ExpectStoredKey(*ledger, first.seq, key);
}

TEST_F(AppendOrderTest, RegistryEventReplaysAreStillDuplicates) {
  // AgencyRegistered and OfficerRegistered replays would fail AGENCY_EXISTS /
  // OFFICER_EXISTS if those checks came before the key.
  const uint64_t size = ledger->Size();
  auto fresh = w.Bootstrap();   // the same registrations under new keys: refused as existing
  auto r = ledger->Append(fresh);
  EXPECT_EQ(r[0].status().reason(), reason::kAgencyExists);
  EXPECT_EQ(r[1].status().reason(), reason::kOfficerExists);
  // The stored ones, replayed byte for byte, before and after reopening.
  for (bool reopen : {false, true}) {
    if (reopen) Reopen();
    auto again = ledger->Append(boot);
    for (uint64_t seq = 0; seq < 3; ++seq) {
      ASSERT_TRUE(again[seq].ok()) << seq << ": " << again[seq].status().ToString();
      EXPECT_TRUE(again[seq]->duplicate);
      EXPECT_EQ(again[seq]->seq, seq);
    }
  }
  EXPECT_EQ(ledger->Size(), size);
}

// Two events with one key inside one batch (one group commit).
TEST_F(AppendOrderTest, SameKeyTwiceInOneBatch) {
  const uint64_t size = ledger->Size();
  const std::string a = w.Visit(8);
  const std::string a_other = Forged(w.Visit(9), Forge(KeyOf(a)).SignedBy(w.officer));
  const std::string b = w.Visit(10);
  const std::string b_forged = Forged(b, Forge(KeyOf(b)).Officer("off-404"));
  const std::string c = w.Visit(11);
  const std::string c_forged = Forged(c, Forge(KeyOf(c)).Officer("off-404"));
  auto r = ledger->Append({a, a, a_other, b, b_forged, c_forged, c});
  ASSERT_EQ(r.size(), 7u);
  // Same bytes: the second is a duplicate of the first; other bytes: a conflict.
  ASSERT_TRUE(r[0].ok() && r[1].ok()) << r[0].status().ToString() << " " << r[1].status().ToString();
  EXPECT_FALSE(r[0]->duplicate);
  EXPECT_TRUE(r[1]->duplicate);
  EXPECT_EQ(r[1]->seq, r[0]->seq);
  EXPECT_EQ(r[1]->leaf_hash, r[0]->leaf_hash);
  EXPECT_EQ(r[2].status().reason(), reason::kIdempotencyConflict);
  // A forgery right behind the original gets its own reason...
  ASSERT_TRUE(r[3].ok());
  EXPECT_EQ(r[4].status().reason(), reason::kUnknownOfficer);
  // ...and one right ahead of it claims nothing: the original is stored.
  EXPECT_EQ(r[5].status().reason(), reason::kUnknownOfficer);
  ASSERT_TRUE(r[6].ok()) << r[6].status().ToString();
  EXPECT_FALSE(r[6]->duplicate);
  EXPECT_EQ(ledger->Size(), size + 3);
  ledger.reset();
  auto report = VerifyStore(dir.path());
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_TRUE(report->ok) << (report->problems.empty() ? "" : report->problems[0].message);
}

// One event per group, none awaited: the replays meet their originals in
// groups not yet durable (inflight_keys in appender.cc).
TEST(AppendOrderInFlightTest, ReplaysOfGroupsInFlightAreComparedByBytes) {
  TempDir dir;
  World w;
  LedgerOptions o;
  o.max_batch_events = 1;
  auto l = *w.Create(dir.path(), o);
  AppendOk(*l, w.Bootstrap());
  struct Sent {
    std::string event;
    size_t original;        // index of the event whose key it reuses (itself if new)
    const char* reason;     // expected refusal, nullptr if stored or duplicate
  };
  std::vector<Sent> sent;
  for (int h = 0; h < 12; ++h) {
    std::string e = w.Visit(100 + h);
    const size_t i = sent.size();
    sent.push_back({e, i, nullptr});
    std::string key = KeyOf(e);
    switch (h % 4) {
      case 0: sent.push_back({e, i, nullptr}); break;   // identical: duplicate
      case 1: sent.push_back({Forged(w.Visit(200 + h), Forge(key).SignedBy(w.officer)), i,
                              reason::kIdempotencyConflict}); break;
      case 2: sent.push_back({Forged(e, Forge(key).Officer("off-404")), i, reason::kUnknownOfficer}); break;
      default: sent.push_back({Forged(e, Forge(key)), i, reason::kBadSignature}); break;
    }
  }
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::optional<AppendOutcome>> got(sent.size());
  size_t pending = sent.size();
  for (size_t i = 0; i < sent.size(); ++i) {
    l->AppendAsync({sent[i].event}, [&, i](std::vector<AppendOutcome> r) {
      std::lock_guard lock(mu);
      got[i] = r[0];
      --pending;
      cv.notify_all();
    });
  }
  {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return pending == 0; });
  }
  uint64_t stored = 0;
  for (size_t i = 0; i < sent.size(); ++i) {
    const AppendOutcome& r = *got[i];
    if (sent[i].reason != nullptr) {
      ASSERT_FALSE(r.ok()) << i << ": answered seq " << r->seq;
      EXPECT_EQ(r.status().reason(), sent[i].reason) << i;
      continue;
    }
    ASSERT_TRUE(r.ok()) << i << ": " << r.status().ToString();
    const AppendOutcome& first = *got[sent[i].original];
    EXPECT_EQ(r->duplicate, sent[i].original != i) << i;
    EXPECT_EQ(r->seq, first->seq) << i;
    EXPECT_EQ(r->leaf_hash, first->leaf_hash) << i;
    stored += !r->duplicate;
  }
  EXPECT_EQ(stored, 12u);
  EXPECT_EQ(l->Size(), 3u + stored);
}

}  // namespace
}  // namespace ledger
