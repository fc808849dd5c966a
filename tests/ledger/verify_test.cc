// The offline verifier (ledger/verify.h) and the ledger-verify tool, by
// tampering: a store of 300 events is built once through the append path,
// each test copies it, changes one thing directly in RocksDB, and checks
// that VerifyStore names exactly that seq (or tile, or checkpoint) and
// nothing else.
#include <rocksdb/db.h>
#include <rocksdb/options.h>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <functional>
#include <set>

#include "ledger/event_codec.h"
#include "tree/merkle_tiles.h"
#include "ledger/note.h"
#include "ledger/projection.h"
#include "ledger/event.h"
#include "ledger/reasons.h"
#include "ledger/verify.h"
#include "support/run_command.h"
#include "support/test_ledger.h"

namespace ledger {
namespace {

namespace fs = std::filesystem;
using testing::AppendOk;
using testing::RunCommand;
using testing::TempDir;
using testing::World;

constexpr uint64_t kEvents = 300;  // 3 registry events + 9 batches of 33

// ------------------------------------------------------------ raw RocksDB

// The store's RocksDB opened directly, with every column family, for
// tampering. Closed (and flushed to the WAL) on destruction.
class RawStore {
 public:
  explicit RawStore(const std::string& dir) {
    rocksdb::Options options;
    std::vector<std::string> names;
    rocksdb::Status s = rocksdb::DB::ListColumnFamilies(options, dir, &names);
    EXPECT_TRUE(s.ok()) << s.ToString();
    std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
    for (const auto& n : names) descriptors.emplace_back(n, rocksdb::ColumnFamilyOptions());
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* raw = nullptr;
    s = rocksdb::DB::Open(options, dir, descriptors, &handles, &raw);
    EXPECT_TRUE(s.ok()) << s.ToString();
    db_.reset(raw);
    for (size_t i = 0; i < names.size(); ++i) cfs_[names[i]] = handles[i];
  }
  ~RawStore() {
    for (auto& [_, h] : cfs_) db_->DestroyColumnFamilyHandle(h).PermitUncheckedError();
    db_->Close().PermitUncheckedError();
  }

  std::string Get(const std::string& cf, const std::string& key) {
    std::string value;
    rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), Cf(cf), key, &value);
    EXPECT_TRUE(s.ok()) << cf << ": " << s.ToString();
    return value;
  }
  void Put(const std::string& cf, const std::string& key, const std::string& value) {
    rocksdb::Status s = db_->Put(rocksdb::WriteOptions(), Cf(cf), key, value);
    EXPECT_TRUE(s.ok()) << s.ToString();
  }
  void Delete(const std::string& cf, const std::string& key) {
    rocksdb::Status s = db_->Delete(rocksdb::WriteOptions(), Cf(cf), key);
    EXPECT_TRUE(s.ok()) << s.ToString();
  }
  // Every key of a column family, in order.
  std::vector<std::string> Keys(const std::string& cf) {
    std::vector<std::string> keys;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), Cf(cf)));
    for (it->SeekToFirst(); it->Valid(); it->Next()) keys.push_back(it->key().ToString());
    return keys;
  }

  std::string Event(uint64_t seq) { return Get("events", BigEndian64(seq)); }
  void SetEvent(uint64_t seq, const std::string& leaf) { Put("events", BigEndian64(seq), leaf); }

 private:
  rocksdb::ColumnFamilyHandle* Cf(const std::string& name) {
    EXPECT_TRUE(cfs_.count(name)) << name;
    return cfs_.at(name);
  }
  std::unique_ptr<rocksdb::DB> db_;
  std::map<std::string, rocksdb::ColumnFamilyHandle*> cfs_;
};

// Leaf bytes with `edit` applied to the envelope, canonical again.
std::string Reencode(const std::string& leaf, const std::function<void(schema::Envelope::Builder)>& edit) {
  auto parsed = MessageBytes::Parse(leaf, /*framed=*/false);
  EXPECT_TRUE(parsed.ok()) << parsed.status().ToString();
  capnp::MallocMessageBuilder builder;
  builder.setRoot(parsed->Root<schema::Envelope>());
  auto env = builder.getRoot<schema::Envelope>();
  edit(env);
  return CanonicalBytes(env.asReader());
}

// ------------------------------------------------------------ reports

// Every seq, tile and checkpoint a report names.
struct Named {
  std::set<uint64_t> seqs;
  std::set<std::pair<int, uint64_t>> tiles;
  std::set<uint64_t> checkpoints;
  size_t unnamed = 0;
};

Named NamedBy(const VerifyReport& r) {
  Named n;
  for (const VerifyProblem& p : r.problems) {
    if (p.seq) n.seqs.insert(*p.seq);
    if (p.tile) n.tiles.insert({p.tile->level, p.tile->index});
    if (p.checkpoint_size) n.checkpoints.insert(*p.checkpoint_size);
    if (!p.seq && !p.tile && !p.checkpoint_size) ++n.unnamed;
  }
  return n;
}

std::string Describe(const VerifyReport& r) {
  std::string out = r.ok ? "ok" : "NOT ok";
  for (const VerifyProblem& p : r.problems) {
    out += "\n  " + p.kind + " [" + ProblemLocation(p) + "] " + p.message;
  }
  return out;
}

// ------------------------------------------------------------ fixture

class VerifyTest : public ::testing::Test {
 protected:
  // Built once: 300 events in 10 group commits (10 checkpoints besides the
  // empty tree's), 40 households, two officers; a full level-0 tile, a
  // partial one and a level-1 tile; projection snapshots at 102, 201, 300.
  static void SetUpTestSuite() {
    golden_ = new TempDir();
    World w;
    LedgerOptions options;
    options.snapshot_every_events = 100;
    auto l = w.Create(Golden(), options);
    ASSERT_TRUE(l.ok()) << l.status().ToString();
    AppendOk(**l, w.Bootstrap());
    for (int batch = 0; batch < 9; ++batch) {
      std::vector<std::string> events;
      for (int i = 0; i < 33; ++i) {
        int house = (batch * 33 + i) % 40;
        events.push_back(w.Visit(house, i % 2 ? w.Officer() : w.Officer2()));
      }
      AppendOk(**l, std::move(events));
    }
    ASSERT_EQ((*l)->Size(), kEvents);
  }
  static void TearDownTestSuite() {
    delete golden_;
    golden_ = nullptr;
  }
  static std::string Golden() { return golden_->Sub("golden"); }

  // A fresh copy of the golden store for this test.
  void SetUp() override {
    ASSERT_NE(golden_, nullptr);
    fs::copy(Golden(), Dir(), fs::copy_options::recursive);
  }
  std::string Dir() const { return dir_.Sub("store"); }

  VerifyReport Verify(VerifyOptions options = {}) {
    auto r = VerifyStore(Dir(), options);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : VerifyReport{};
  }

  // Asserts the report is not ok and names exactly `seqs` and nothing else.
  void ExpectOnlySeqs(const VerifyReport& r, const std::set<uint64_t>& seqs) {
    EXPECT_FALSE(r.ok);
    Named n = NamedBy(r);
    EXPECT_EQ(n.seqs, seqs) << Describe(r);
    EXPECT_TRUE(n.tiles.empty()) << Describe(r);
    EXPECT_TRUE(n.checkpoints.empty()) << Describe(r);
    EXPECT_EQ(n.unnamed, 0u) << Describe(r);
    ASSERT_TRUE(r.first_bad_seq.has_value()) << Describe(r);
    EXPECT_EQ(*r.first_bad_seq, *seqs.begin());
    EXPECT_EQ(r.events, kEvents);
  }

  static TempDir* golden_;
  TempDir dir_;
};

TempDir* VerifyTest::golden_ = nullptr;

bool HasKind(const VerifyReport& r, const std::string& kind) {
  for (const auto& p : r.problems) {
    if (p.kind == kind) return true;
  }
  return false;
}

// ------------------------------------------------------------ clean

TEST_F(VerifyTest, CleanStoreVerifies) {
  std::vector<VerifyProgress> progress;
  VerifyOptions options;
  options.progress = [&](const VerifyProgress& p) { progress.push_back(p); };
  VerifyReport r = Verify(options);
  EXPECT_TRUE(r.ok) << Describe(r);
  EXPECT_TRUE(r.problems.empty());
  EXPECT_EQ(r.problems_total, 0u);
  EXPECT_FALSE(r.first_bad_seq.has_value());
  EXPECT_EQ(r.events, kEvents);
  ASSERT_FALSE(progress.empty());
  EXPECT_EQ(progress.back().done, kEvents);
  EXPECT_EQ(progress.back().total, kEvents);

  // The reported checkpoint is the latest, and verifies with the reported key.
  auto verifier = NoteVerifier::Parse(r.vkey);
  ASSERT_TRUE(verifier.ok()) << verifier.status().ToString();
  auto opened = OpenNote(r.checkpoint, {*verifier});
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  auto cp = ParseCheckpoint(opened->text);
  ASSERT_TRUE(cp.ok());
  EXPECT_EQ(cp->size, kEvents);
  auto l = Ledger::OpenReadOnly(Dir());
  ASSERT_TRUE(l.ok());
  EXPECT_EQ(r.vkey, (*l)->info().VerifierKey());
  EXPECT_EQ(cp->root, *(*l)->RootAt(kEvents));
}

TEST_F(VerifyTest, SameVerdictWithAnyNumberOfThreadsAndWithoutSignatures) {
  for (int threads : {1, 2, 3}) {
    for (bool signatures : {true, false}) {
      VerifyOptions options;
      options.threads = threads;
      options.check_signatures = signatures;
      VerifyReport r = Verify(options);
      EXPECT_TRUE(r.ok) << threads << " threads, signatures " << signatures << Describe(r);
    }
  }
  {
    RawStore raw(Dir());
    raw.Delete("events", BigEndian64(123));
  }
  for (int threads : {1, 2, 3}) {
    VerifyOptions options;
    options.threads = threads;
    ExpectOnlySeqs(Verify(options), {123});
  }
}

TEST_F(VerifyTest, EmptyStoreVerifies) {
  TempDir empty;
  World w;
  ASSERT_TRUE(w.Create(empty.Sub("s")).ok());
  auto r = VerifyStore(empty.Sub("s"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->ok) << Describe(*r);
  EXPECT_EQ(r->events, 0u);
  EXPECT_FALSE(r->checkpoint.empty());
}

// ------------------------------------------------------------ events

TEST_F(VerifyTest, EnvelopeFieldChangedNamesThatSeq) {
  {
    RawStore raw(Dir());
    raw.SetEvent(150, Reencode(raw.Event(150), [](schema::Envelope::Builder e) {
                   e.setRecordedAt(e.getRecordedAt() + 1);
                 }));
  }
  VerifyReport r = Verify();
  ExpectOnlySeqs(r, {150});
  EXPECT_TRUE(HasKind(r, "leaf_hash")) << Describe(r);
}

TEST_F(VerifyTest, BodyFieldChangedNamesThatSeq) {
  {
    RawStore raw(Dir());
    raw.SetEvent(151, Reencode(raw.Event(151), [](schema::Envelope::Builder e) {
                   e.getSigned().getBody().setHousehold(World::HouseCode(77));
                 }));
  }
  VerifyReport r = Verify();
  ExpectOnlySeqs(r, {151});
  // The body is signed and indexed: all of it is found, all at 151.
  EXPECT_TRUE(HasKind(r, "leaf_hash")) << Describe(r);
  EXPECT_TRUE(HasKind(r, "signature")) << Describe(r);
  EXPECT_TRUE(HasKind(r, "index")) << Describe(r);
}

TEST_F(VerifyTest, RecordedAtNotAfterThePreviousEventIsNamed) {
  {
    RawStore raw(Dir());
    int64_t before = 0;
    Reencode(raw.Event(149), [&](schema::Envelope::Builder e) { before = e.getRecordedAt(); });
    raw.SetEvent(150, Reencode(raw.Event(150), [&](schema::Envelope::Builder e) { e.setRecordedAt(before); }));
  }
  VerifyReport r = Verify();
  ExpectOnlySeqs(r, {150});
  EXPECT_TRUE(HasKind(r, "recorded_at")) << Describe(r);
}

TEST_F(VerifyTest, SeqFieldChangedNamesThatSeq) {
  {
    RawStore raw(Dir());
    raw.SetEvent(40, Reencode(raw.Event(40), [](schema::Envelope::Builder e) { e.setSeq(41); }));
  }
  VerifyReport r = Verify();
  ExpectOnlySeqs(r, {40});
  EXPECT_TRUE(HasKind(r, "seq_mismatch")) << Describe(r);
}

TEST_F(VerifyTest, FlippedByteAnywhereInAnEventNamesThatSeq) {
  // Each round flips one byte in each of 40 events (seqs 10, 17, ...), at
  // positions that step by 8 from event to event; 8 rounds flip every byte
  // position of an event once: pointers, data, text, hashes, signature.
  for (int round = 0; round < 8; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    fs::remove_all(Dir());
    fs::copy(Golden(), Dir(), fs::copy_options::recursive);
    std::set<uint64_t> flipped;
    {
      RawStore raw(Dir());
      for (uint64_t i = 0; i < 40; ++i) {
        const uint64_t seq = 10 + 7 * i;
        std::string leaf = raw.Event(seq);
        const size_t pos = (round + 8 * i) % leaf.size();
        leaf[pos] = static_cast<char>(leaf[pos] ^ 0x5a);
        raw.SetEvent(seq, leaf);
        flipped.insert(seq);
      }
    }
    ExpectOnlySeqs(Verify(), flipped);
  }
}

TEST_F(VerifyTest, DeletedEventIsNamedMissing) {
  {
    RawStore raw(Dir());
    raw.Delete("events", BigEndian64(100));
  }
  VerifyReport r = Verify();
  ExpectOnlySeqs(r, {100});
  EXPECT_TRUE(HasKind(r, "missing_event")) << Describe(r);
}

TEST_F(VerifyTest, DeletedLastEventIsNamedMissing) {
  {
    RawStore raw(Dir());
    raw.Delete("events", BigEndian64(kEvents - 1));
  }
  VerifyReport r = Verify();
  ExpectOnlySeqs(r, {kEvents - 1});
  EXPECT_TRUE(HasKind(r, "missing_event")) << Describe(r);
}

TEST_F(VerifyTest, EventFarBeyondTheEndIsNamedWithoutExhaustingMemory) {
  const uint64_t far = uint64_t{1} << 40;
  {
    RawStore raw(Dir());
    raw.SetEvent(far, raw.Event(7));
  }
  VerifyReport r = Verify();
  EXPECT_FALSE(r.ok);
  Named n = NamedBy(r);
  EXPECT_EQ(n.seqs, (std::set<uint64_t>{kEvents, far})) << Describe(r);
  EXPECT_EQ(r.first_bad_seq, kEvents);
  EXPECT_TRUE(HasKind(r, "missing_event")) << Describe(r);
}

TEST_F(VerifyTest, SwappedEventsNameBothSeqs) {
  for (auto [a, b] : {std::pair<uint64_t, uint64_t>{60, 200}, {90, 91}}) {
    SCOPED_TRACE(std::to_string(a) + " <-> " + std::to_string(b));
    fs::remove_all(Dir());
    fs::copy(Golden(), Dir(), fs::copy_options::recursive);
    {
      RawStore raw(Dir());
      std::string ea = raw.Event(a), eb = raw.Event(b);
      raw.SetEvent(a, eb);
      raw.SetEvent(b, ea);
    }
    ExpectOnlySeqs(Verify(), {a, b});
  }
}

TEST_F(VerifyTest, PlantedBadOfficerSignatureIsNamed) {
  // Appended through the library with signature checks off: every hash,
  // link, tile, index and checkpoint is right, only the signature is not
  // off-1's.
  World w;
  {
    LedgerOptions options;
    options.verify_signatures = false;
    auto l = w.Open(Dir(), options);
    ASSERT_TRUE(l.ok()) << l.status().ToString();
    EventSigner forger{w.agency_code, "off-1", &w.officer2};
    EventFactory factory(/*seed=*/99);  // idempotency keys the golden store has not seen
    auto r = AppendOk(**l, {factory.Make(forger, World::HouseCode(3), testing::kDay, [](schema::Payload::Builder p) {
                        p.initHouseholdVisited().setPurpose("forged");
                      })});
    ASSERT_EQ(r.size(), 1u);
    ASSERT_EQ(r[0].seq, kEvents);
  }
  auto report = VerifyStore(Dir());
  ASSERT_TRUE(report.ok());
  EXPECT_FALSE(report->ok);
  ASSERT_EQ(report->problems.size(), 1u) << Describe(*report);
  EXPECT_EQ(report->problems[0].kind, "signature");
  EXPECT_EQ(report->problems[0].seq, kEvents);
  EXPECT_EQ(report->first_bad_seq, kEvents);
  EXPECT_NE(report->problems[0].message.find("off-1"), std::string::npos) << report->problems[0].message;

  // Without signature checks nothing else is wrong.
  VerifyOptions options;
  options.check_signatures = false;
  auto quick = VerifyStore(Dir(), options);
  ASSERT_TRUE(quick.ok());
  EXPECT_TRUE(quick->ok) << Describe(*quick);
}

TEST_F(VerifyTest, HelpWithAnItemOffThePublishedMenuIsNamed) {
  // A ledger that lost its menu (the projection's "menu" key deleted) takes
  // help with an item that is on no menu: every hash, link, tile, index,
  // checkpoint and signature is right; only the menu rule, re-run on
  // replay, and the persisted menu find it.
  World w;
  EventFactory factory(/*seed=*/99);  // idempotency keys the golden store has not seen
  {
    auto l = w.Open(Dir());
    ASSERT_TRUE(l.ok()) << l.status().ToString();
    AppendOk(**l, {factory.MenuPublished(w.root, 1, testing::kDay)});
    auto refused = (*l)->Append({factory.AssistanceGiven(w.Officer(), World::HouseCode(3), schema::Dimension::HEALTH,
                                                         4, "H-99", 50'000, testing::kDay)});
    ASSERT_FALSE(refused[0].ok());
    EXPECT_EQ(refused[0].status().reason(), reason::kUnknownMenuItem);
  }
  {
    RawStore raw(Dir());
    raw.Delete("projection", "menu");
  }
  {
    auto l = w.Open(Dir());
    ASSERT_TRUE(l.ok()) << l.status().ToString();
    auto r = AppendOk(**l, {factory.AssistanceGiven(w.Officer(), World::HouseCode(3), schema::Dimension::HEALTH, 4,
                                                    "H-99", 50'000, testing::kDay)});
    ASSERT_EQ(r.size(), 1u);
    ASSERT_EQ(r[0].seq, kEvents + 1);
  }
  auto report = VerifyStore(Dir());
  ASSERT_TRUE(report.ok());
  EXPECT_FALSE(report->ok);
  ASSERT_EQ(report->problems.size(), 2u) << Describe(*report);
  for (const VerifyProblem& p : report->problems) EXPECT_EQ(p.kind, "menu") << Describe(*report);
  EXPECT_EQ(report->first_bad_seq, kEvents + 1);
  bool named = false;
  for (const VerifyProblem& p : report->problems) {
    if (p.seq == kEvents + 1) {
      named = true;
      EXPECT_NE(p.message.find("'H-99' is not an item of the published menu"), std::string::npos) << p.message;
      EXPECT_NE(p.message.find("UNKNOWN_MENU_ITEM"), std::string::npos) << p.message;
    } else {
      EXPECT_NE(p.message.find("the persisted menu is none"), std::string::npos) << p.message;
    }
  }
  EXPECT_TRUE(named) << Describe(*report);
}

TEST_F(VerifyTest, EventOfUnregisteredOfficerBreaksTheTrustChain) {
  {
    RawStore raw(Dir());
    // Re-signed properly, but by an officer the agency never registered.
    PrivateKey stranger = testing::KeyFromByte(9);
    raw.SetEvent(kEvents - 1, Reencode(raw.Event(kEvents - 1), [&](schema::Envelope::Builder e) {
                   auto body = e.getSigned().getBody();
                   body.setOfficer("off-9");
                   std::string sig = stranger.Sign(CanonicalBytes(body.asReader()));
                   e.getSigned().setSignature(
                       capnp::Data::Reader(reinterpret_cast<const uint8_t*>(sig.data()), sig.size()));
                 }));
  }
  VerifyReport r = Verify();
  ExpectOnlySeqs(r, {kEvents - 1});
  EXPECT_TRUE(HasKind(r, "trust")) << Describe(r);
}

// ------------------------------------------------------------ indexes

TEST_F(VerifyTest, WrongIdempotencyEntryIsNamed) {
  {
    RawStore raw(Dir());
    for (const std::string& key : raw.Keys("idempotency")) {
      if (ReadBigEndian64(raw.Get("idempotency", key)) == 42) {
        raw.Put("idempotency", key, BigEndian64(43));
        break;
      }
    }
  }
  VerifyReport r = Verify();
  ExpectOnlySeqs(r, {42, 43});
  EXPECT_TRUE(HasKind(r, "idempotency")) << Describe(r);
}

TEST_F(VerifyTest, MissingAndExtraIndexEntriesAreNamed) {
  uint64_t visit = 0;
  {
    auto l = Ledger::OpenReadOnly(Golden());
    ASSERT_TRUE(l.ok());
    auto seqs = (*l)->HouseholdSeqs(World::HouseCode(5));
    ASSERT_TRUE(seqs.ok() && seqs->size() >= 2);
    visit = (*seqs)[1];
  }
  {
    RawStore raw(Dir());
    const std::string nul(1, '\0');
    raw.Delete("by_household", World::HouseCode(5) + nul + BigEndian64(visit));
    // Event 2 registers off-2; it was not made by an officer.
    raw.Put("by_officer", "off-2" + nul + BigEndian64(2), "");
  }
  VerifyReport r = Verify();
  ExpectOnlySeqs(r, {2, visit});
  EXPECT_TRUE(HasKind(r, "index")) << Describe(r);
}

// ------------------------------------------------------------ tiles

TEST_F(VerifyTest, ChangedTileNodeIsNamedByTileRowAndPos) {
  struct Case {
    merkle::TileId tile;
    int row;
    uint64_t pos;
  };
  // An interior node of the full tile, a leaf hash in it, the last event's
  // leaf in the partial tile, and the level-1 tile's only node.
  for (const Case& c : {Case{{0, 0}, 3, 5}, Case{{0, 0}, 0, 10}, Case{{0, 1}, 0, kEvents - 1 - 256},
                        Case{{1, 0}, 0, 0}}) {
    SCOPED_TRACE(fmt::format("tile {}/{} row {} pos {}", c.tile.level, c.tile.index, c.row, c.pos));
    fs::remove_all(Dir());
    fs::copy(Golden(), Dir(), fs::copy_options::recursive);
    {
      RawStore raw(Dir());
      std::string tile = raw.Get("merkle", merkle::TileKey(c.tile));
      auto decoded = merkle::Tile::Decode(tile);
      ASSERT_TRUE(decoded.ok());
      size_t offset = 2;
      for (int row = 0; row < c.row; ++row) offset += decoded->RowSize(row) * sizeof(Hash);
      offset += c.pos * sizeof(Hash);
      ASSERT_LT(offset, tile.size());
      tile[offset + 7] = static_cast<char>(tile[offset + 7] ^ 1);
      raw.Put("merkle", merkle::TileKey(c.tile), tile);
    }
    VerifyReport r = Verify();
    EXPECT_FALSE(r.ok);
    Named n = NamedBy(r);
    EXPECT_EQ(n.tiles, (std::set<std::pair<int, uint64_t>>{{c.tile.level, c.tile.index}})) << Describe(r);
    EXPECT_TRUE(n.seqs.empty()) << Describe(r);
    EXPECT_TRUE(n.checkpoints.empty()) << Describe(r);
    EXPECT_FALSE(r.first_bad_seq.has_value());
    ASSERT_EQ(r.problems.size(), 1u) << Describe(r);
    EXPECT_NE(r.problems[0].message.find(fmt::format("row {} pos {}", c.row, c.pos)), std::string::npos)
        << r.problems[0].message;
  }
}

TEST_F(VerifyTest, MissingAndExtraTilesAreNamed) {
  {
    RawStore raw(Dir());
    raw.Put("merkle", merkle::TileKey({0, 7}), raw.Get("merkle", merkle::TileKey({0, 0})));
    raw.Delete("merkle", merkle::TileKey({1, 0}));
  }
  VerifyReport r = Verify();
  EXPECT_FALSE(r.ok);
  Named n = NamedBy(r);
  EXPECT_EQ(n.tiles, (std::set<std::pair<int, uint64_t>>{{0, 7}, {1, 0}})) << Describe(r);
  EXPECT_TRUE(n.seqs.empty()) << Describe(r);
}

// ------------------------------------------------------------ checkpoints

TEST_F(VerifyTest, ChangedCheckpointIsNamedBySize) {
  const uint64_t size = 3 + 4 * 33;  // the checkpoint after the 4th batch
  std::string note;
  {
    RawStore raw(Dir());
    note = raw.Get("checkpoints", BigEndian64(size));
  }
  ASSERT_FALSE(note.empty());
  auto text = note.substr(0, note.find("\n\n") + 1);
  auto cp = ParseCheckpoint(text);
  ASSERT_TRUE(cp.ok());
  Checkpoint wrong_root = *cp;
  wrong_root.root[0] ^= 1;
  NoteSigner server("ledger.test/sisaket", testing::KeyFromByte(2));
  NoteSigner stranger("ledger.test/sisaket", testing::KeyFromByte(9));

  struct Case {
    std::string name;
    std::string note;
  };
  std::string edited = note;
  edited[edited.find('\n') + 1] ^= 1;  // the size line, signature kept
  for (const Case& c : {Case{"root changed, re-signed by the server key", *server.Sign(FormatCheckpoint(wrong_root))},
                        Case{"signed by another key", *stranger.Sign(text)},
                        Case{"text edited, signature kept", edited}}) {
    SCOPED_TRACE(c.name);
    fs::remove_all(Dir());
    fs::copy(Golden(), Dir(), fs::copy_options::recursive);
    {
      RawStore raw(Dir());
      raw.Put("checkpoints", BigEndian64(size), c.note);
    }
    VerifyReport r = Verify();
    EXPECT_FALSE(r.ok);
    Named n = NamedBy(r);
    EXPECT_EQ(n.checkpoints, std::set<uint64_t>{size}) << Describe(r);
    EXPECT_TRUE(n.seqs.empty()) << Describe(r);
    EXPECT_TRUE(n.tiles.empty()) << Describe(r);
    EXPECT_FALSE(r.first_bad_seq.has_value());
    // The newest checkpoint is still reported.
    EXPECT_NE(r.checkpoint.find("\n" + std::to_string(kEvents) + "\n"), std::string::npos) << r.checkpoint;
  }
}

TEST_F(VerifyTest, ChangedLatestCheckpointIsNotReported) {
  {
    RawStore raw(Dir());
    std::string note = raw.Get("checkpoints", BigEndian64(kEvents));
    note[note.size() - 5] ^= 1;  // in the signature
    raw.Put("checkpoints", BigEndian64(kEvents), note);
  }
  VerifyReport r = Verify();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(NamedBy(r).checkpoints, std::set<uint64_t>{kEvents}) << Describe(r);
  // The newest checkpoint that passes every check is the one before.
  EXPECT_NE(r.checkpoint.find("\n" + std::to_string(kEvents - 33) + "\n"), std::string::npos) << r.checkpoint;
}

// ------------------------------------------------------------ projections

TEST_F(VerifyTest, StoredProjectionThatDiffersFromTheRebuildIsNamed) {
  const std::string five = "p/h/" + World::HouseCode(5), six = "p/h/" + World::HouseCode(6);
  {
    RawStore raw(Dir());
    raw.Put("projection", five, raw.Get("projection", six));
  }
  VerifyReport r = Verify();
  EXPECT_FALSE(r.ok);
  ASSERT_TRUE(HasKind(r, "projection")) << Describe(r);
  Named n = NamedBy(r);
  EXPECT_TRUE(n.seqs.empty() && n.tiles.empty() && n.checkpoints.empty()) << Describe(r);
  bool names_house = false;
  for (const auto& p : r.problems) names_house |= p.message.find(World::HouseCode(5)) != std::string::npos;
  EXPECT_TRUE(names_house) << Describe(r);

  VerifyOptions options;
  options.check_projections = false;
  EXPECT_TRUE(Verify(options).ok);
}

TEST_F(VerifyTest, SnapshotThatDiffersFromTheRebuildIsNamed) {
  auto sizes = [&] {
    auto l = Ledger::OpenReadOnly(Golden());
    EXPECT_TRUE(l.ok());
    return *SnapshotSizes(**l);
  }();
  ASSERT_GE(sizes.size(), 2u);
  const uint64_t size = sizes[0];
  {
    // A household as of the second snapshot, stored as of the first.
    RawStore raw(Dir());
    std::set<std::string> keys;
    for (const std::string& key : raw.Keys("snapshots")) keys.insert(key);
    bool planted = false;
    for (const std::string& key : keys) {
      if (key[0] != 'h' || key.size() < 10 || key.substr(key.size() - 8) != BigEndian64(size)) continue;
      std::string later = key.substr(0, key.size() - 8) + BigEndian64(sizes[1]);
      if (!keys.count(later)) continue;
      raw.Put("snapshots", key, raw.Get("snapshots", later));
      planted = true;
      break;
    }
    ASSERT_TRUE(planted);
  }
  VerifyReport r = Verify();
  EXPECT_FALSE(r.ok);
  ASSERT_TRUE(HasKind(r, "projection")) << Describe(r);
  for (const auto& p : r.problems) {
    EXPECT_NE(p.message.find(fmt::format("snapshot {}", size)), std::string::npos) << Describe(r);
  }
}

// ------------------------------------------------------------ store errors

TEST_F(VerifyTest, NotAStoreIsAnError) {
  TempDir empty;
  auto r = VerifyStore(empty.path());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().reason(), "NOT_A_STORE");
  EXPECT_EQ(VerifyStore(empty.Sub("nothing")).status().reason(), "NO_STORE");
}

// ------------------------------------------------------------ the tool

std::string Tool() { return LEDGER_BINARY_DIR "/tools/ledger-verify"; }

TEST_F(VerifyTest, ToolExitCodesAndJson) {
  auto clean = RunCommand({Tool(), Dir(), "--json"});
  ASSERT_EQ(clean.exit_code, 0) << clean.err << clean.out;
  auto j = nlohmann::json::parse(clean.out);
  EXPECT_EQ(j["ok"], true);
  EXPECT_EQ(j["events"], kEvents);
  EXPECT_TRUE(j["first_bad_seq"].is_null());
  EXPECT_TRUE(j["problems"].is_array() && j["problems"].empty());
  EXPECT_TRUE(j["checkpoint"].is_string());
  EXPECT_NE(j["checkpoint"].get<std::string>().find("ledger.test/sisaket\n300\n"), std::string::npos);
  EXPECT_EQ(j["vkey"].get<std::string>().rfind("ledger.test/sisaket+", 0), 0u) << j["vkey"];

  auto text = RunCommand({Tool(), Dir(), "--threads", "1", "--no-signatures"});
  EXPECT_EQ(text.exit_code, 0) << text.err;
  EXPECT_EQ(text.out.rfind("OK: 300 events", 0), 0u) << text.out;
  EXPECT_NE(text.out.find("events/s"), std::string::npos) << text.out;
  EXPECT_TRUE(text.err.empty()) << text.err;  // no progress bar: stderr is not a terminal

  {
    RawStore raw(Dir());
    raw.Delete("events", BigEndian64(55));
  }
  auto tampered = RunCommand({Tool(), Dir(), "--json"});
  ASSERT_EQ(tampered.exit_code, 1) << tampered.err << tampered.out;
  j = nlohmann::json::parse(tampered.out);
  EXPECT_EQ(j["ok"], false);
  EXPECT_EQ(j["first_bad_seq"], 55);
  ASSERT_FALSE(j["problems"].empty());
  EXPECT_EQ(j["problems"][0]["seq"], 55);
  EXPECT_EQ(j["problems"][0]["kind"], "missing_event");
  EXPECT_TRUE(j["problems"][0]["message"].is_string());

  auto tampered_text = RunCommand({Tool(), Dir()});
  EXPECT_EQ(tampered_text.exit_code, 1);
  EXPECT_EQ(tampered_text.out.rfind("TAMPERED:", 0), 0u) << tampered_text.out;
  EXPECT_NE(tampered_text.out.find("first bad seq 55"), std::string::npos) << tampered_text.out;

  TempDir empty;
  auto not_store = RunCommand({Tool(), empty.path()});
  EXPECT_EQ(not_store.exit_code, 2) << not_store.err;
  EXPECT_NE(not_store.err.find("not a ledger store"), std::string::npos) << not_store.err;
  EXPECT_EQ(RunCommand({Tool(), empty.Sub("missing")}).exit_code, 2);
  EXPECT_EQ(RunCommand({Tool(), Dir(), "--bogus"}).exit_code, 2);
  EXPECT_EQ(RunCommand({Tool(), Dir(), "--threads", "0"}).exit_code, 2);
  EXPECT_EQ(RunCommand({Tool()}).exit_code, 2);
  auto help = RunCommand({Tool(), "--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("--no-signatures"), std::string::npos);
}

TEST_F(VerifyTest, ToolCallsAStoreThatCannotBeOpenedCorrupt) {
  // Metadata the store cannot be opened without.
  {
    RawStore raw(Dir());
    raw.Delete("default", "meta/server_public_key");
  }
  auto r = RunCommand({Tool(), Dir(), "--json"});
  EXPECT_EQ(r.exit_code, 1) << r.err << r.out;
  EXPECT_NE(r.err.find("corrupt"), std::string::npos) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["ok"], false);
  EXPECT_TRUE(j["first_bad_seq"].is_null());
  EXPECT_EQ(j["problems"][0]["kind"], "store");
}

// The heads map (docs/formats.md §7): every group's last event carries the
// root of the map over the events before it, and the verifier recomputes it.
TEST_F(VerifyTest, EveryCheckpointEndsWithAHeadsRoot) {
  auto l = Ledger::OpenReadOnly(Dir());
  ASSERT_TRUE(l.ok());
  auto last = DecodeEvent(*(*l)->LeafBytes(kEvents - 1));
  ASSERT_TRUE(last.ok());
  EXPECT_TRUE(last->heads_root.has_value());
  auto middle = DecodeEvent(*(*l)->LeafBytes(kEvents - 2));
  ASSERT_TRUE(middle.ok());
  EXPECT_FALSE(middle->heads_root.has_value());   // same group: only the last carries it
}

TEST_F(VerifyTest, ForgedHeadsRootIsNamedWithItsSeq) {
  const uint64_t seq = kEvents - 1;
  {
    RawStore raw(Dir());
    raw.SetEvent(seq, Reencode(raw.Event(seq), [](schema::Envelope::Builder e) {
                   std::string root(32, '\0');
                   root[0] = 1;
                   e.setHeadsRoot(capnp::Data::Reader(reinterpret_cast<const uint8_t*>(root.data()), root.size()));
                 }));
  }
  VerifyReport r = Verify();
  ExpectOnlySeqs(r, {seq});
  bool named = false;
  for (const VerifyProblem& p : r.problems) named = named || (p.kind == "heads_root" && p.seq == seq);
  EXPECT_TRUE(named) << Describe(r);
}

TEST_F(VerifyTest, ForgedStoredHeadIsNamed) {
  {
    RawStore raw(Dir());
    auto keys = raw.Keys("heads");
    ASSERT_FALSE(keys.empty());
    std::string value = raw.Get("heads", keys[keys.size() / 2]);
    value[47] ^= 1;   // the count
    raw.Put("heads", keys[keys.size() / 2], value);
  }
  VerifyReport r = Verify();
  EXPECT_FALSE(r.ok);
  bool named = false;
  for (const VerifyProblem& p : r.problems) named = named || p.kind == "heads";
  EXPECT_TRUE(named) << Describe(r);
}

}  // namespace
}  // namespace ledger
