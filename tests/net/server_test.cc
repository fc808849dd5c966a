// ledgerd and the client library over TLS on 127.0.0.1: round trips of
// every request, subscriptions, bad input (each with its exact reason and
// nothing stored, while another client keeps working), client-side
// verification against a lying server, concurrency and pushback.
#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <stdexcept>
#include <thread>

#include "ledger/event.h"
#include "ledger/merkle.h"
#include "ledger/net/frame.h"
#include "ledger/net/protocol_codec.h"
#include "ledger/net/transport.h"
#include "net_fixture.h"
#include "raw_client.h"
#include "schemas/protocol.capnp.h"

namespace ledger {
namespace {

using net::Client;
using testing::NetFixture;

using testing::ExpectErrorThenClose;
using testing::Le32;
using testing::Raw;
using testing::ReadReply;
using testing::Reply;
using testing::RequestFrame;

// ---------------------------------------------------------------- round trips

TEST(ServerTest, RoundTripsOfEveryRequest) {
  NetFixture f;
  f.StartServer();
  auto c = f.Connect("pho-33");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->server().role, "agency");
  EXPECT_EQ(c->server().name, "PHO-33");
  EXPECT_EQ(c->server().verifier_key, f.vkey);

  const uint64_t base = f.ledger->Size();
  std::vector<std::string> events = {f.world.Visit(1), f.world.Visit(2), f.world.Visit(1), f.world.Visit(1)};
  auto r = c->Append(events);
  ASSERT_EQ(r.size(), 4u);
  for (size_t i = 0; i < r.size(); ++i) {
    ASSERT_TRUE(r[i].ok()) << r[i].status().ToString();
    EXPECT_EQ(r[i]->seq, base + i);
    EXPECT_FALSE(r[i]->duplicate);
    EXPECT_EQ(*f.ledger->LeafHash(r[i]->seq), r[i]->leaf_hash);
  }

  // Get event by seq and by leaf hash, both proven.
  auto e = c->GetEvent(r[2]->seq);
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_EQ(e->leaf, *f.ledger->LeafBytes(r[2]->seq));
  EXPECT_EQ(e->proof.leaf_hash, r[2]->leaf_hash);
  auto by_hash = c->GetEventByHash(r[3]->leaf_hash);
  ASSERT_TRUE(by_hash.ok()) << by_hash.status().ToString();
  EXPECT_EQ(by_hash->seq, r[3]->seq);
  Hash unknown{};
  unknown[0] = 0xab;
  EXPECT_EQ(c->GetEventByHash(unknown).status().reason(), "NO_SUCH_EVENT");
  EXPECT_EQ(c->GetEvent(1'000'000).status().reason(), "NO_SUCH_EVENT");

  // History: the household chain, proven.
  auto h = c->History(testing::World::HouseCode(1));
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  EXPECT_EQ(h->seqs, (std::vector<uint64_t>{r[0]->seq, r[2]->seq, r[3]->seq}));
  EXPECT_EQ(c->History("33019999999").status().reason(), "UNKNOWN_HOUSEHOLD");

  // Proofs and checkpoints.
  auto cp = c->LatestCheckpoint();
  ASSERT_TRUE(cp.ok()) << cp.status().ToString();
  EXPECT_EQ(cp->checkpoint.size, f.ledger->Size());
  EXPECT_EQ(cp->note, *f.ledger->LatestCheckpoint());
  auto p = c->Prove(r[1]->seq);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->tree_size, f.ledger->Size());
  EXPECT_EQ(p->path, *f.ledger->InclusionProof(r[1]->seq, p->tree_size));
  auto p_old = c->Prove(2, base);  // at an older checkpoint (the bootstrap's)
  ASSERT_TRUE(p_old.ok()) << p_old.status().ToString();
  EXPECT_EQ(p_old->tree_size, base);
  auto cons = c->Consistency(base);
  ASSERT_TRUE(cons.ok()) << cons.status().ToString();
  EXPECT_EQ(cons->new_size, f.ledger->Size());
  EXPECT_TRUE(cons->old_checkpoint.has_value());
  EXPECT_EQ(cons->path, *f.ledger->ConsistencyProof(base, f.ledger->Size()));
  EXPECT_EQ(c->Prove(0, base + 1).status().reason(), "NO_CHECKPOINT");  // no commit ended there
  auto old_cp = c->CheckpointAt(base);
  ASSERT_TRUE(old_cp.ok()) << old_cp.status().ToString();
  EXPECT_EQ(old_cp->checkpoint.size, base);

  // Registry: agency, officer, and the revocation of a revoked officer.
  auto reg = c->Registry("PHO-33", "off-3");
  ASSERT_TRUE(reg.ok()) << reg.status().ToString();
  ASSERT_EQ(reg->events.size(), 3u);
  EXPECT_EQ(DecodeEvent(reg->events.at(0).leaf)->kind, EventKind::kAgencyRegistered);
  EXPECT_EQ(DecodeEvent(reg->events.at(1).leaf)->kind, EventKind::kOfficerRegistered);
  EXPECT_EQ(DecodeEvent(reg->events.at(2).leaf)->kind, EventKind::kOfficerKeyRevoked);
  EXPECT_EQ(c->Registry("PHO-33", "nobody").status().reason(), "UNKNOWN_OFFICER");

  // Replay of the same events: the original seqs, nothing stored.
  const uint64_t size = f.ledger->Size();
  auto again = c->Append(events);
  for (size_t i = 0; i < again.size(); ++i) {
    ASSERT_TRUE(again[i].ok());
    EXPECT_TRUE(again[i]->duplicate);
    EXPECT_EQ(again[i]->seq, r[i]->seq);
  }
  EXPECT_EQ(f.ledger->Size(), size);
}

TEST(ServerTest, InspectorsReadButCannotAppend) {
  NetFixture f;
  f.StartServer();
  auto c = f.Connect("inspector");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->server().role, "inspector");
  const uint64_t size = f.ledger->Size();
  auto r = c->Append({f.world.Visit(1)});
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].status().reason(), "WRONG_ROLE");
  EXPECT_EQ(f.ledger->Size(), size);
  EXPECT_TRUE(c->GetEvent(0).ok());
}

TEST(ServerTest, UntrustedCertificatesAreRefused) {
  NetFixture f;
  f.StartServer();
  auto rogue = Client::Connect(f.ClientFor("rogue"));
  EXPECT_FALSE(rogue.ok());
  net::ClientOptions none = f.ClientFor("pho-33");
  none.tls.cert.clear();
  EXPECT_EQ(Client::Connect(none).status().reason(), "NO_TLS");
  net::ClientOptions wrong_key = f.ClientFor("pho-33");
  wrong_key.server_vkey = FormatNoteVerifierKey(f.ledger->info().key_name, testing::KeyFromByte(77).PublicKeyBytes());
  EXPECT_EQ(Client::Connect(wrong_key).status().reason(), "WRONG_SERVER_KEY");
}

// ---------------------------------------------------------------- subscriptions

void SubscribeAndFollow(uint64_t from) {
  NetFixture f;
  f.StartServer();
  auto writer = f.Connect("pho-33");
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(writer->Append({f.world.Visit(i)})[0].ok());
  const uint64_t before = f.ledger->Size();
  const uint64_t want = before + 20;  // catch up, then 20 live events

  std::vector<std::pair<uint64_t, std::string>> got;
  Status sub_status;
  std::thread follower([&] {
    auto m = f.Connect("mirror");
    ASSERT_TRUE(m);
    sub_status = m->Subscribe(from, [&](uint64_t seq, const std::string& leaf) {
      got.emplace_back(seq, leaf);
      return seq + 1 < want;
    });
  });
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(writer->Append({f.world.Visit(100 + i)})[0].ok());
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  follower.join();
  ASSERT_TRUE(sub_status.ok()) << sub_status.ToString();
  ASSERT_EQ(got.size(), want - from);
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].first, from + i);
    EXPECT_EQ(got[i].second, *f.ledger->LeafBytes(from + i));
  }
}

TEST(ServerTest, SubscribeFromZeroCatchesUpThenFollows) { SubscribeAndFollow(0); }
TEST(ServerTest, SubscribeFromTheMiddleCatchesUpThenFollows) { SubscribeAndFollow(9); }

// ---------------------------------------------------------------- bad input

class BadInputTest : public ::testing::Test {
 protected:
  void SetUp() override {
    net::ServerOptions o = f.DefaultServerOptions();
    o.frame_timeout = std::chrono::milliseconds(500);
    f.StartServer(o);
    good = f.Connect("pho-33");
    ASSERT_TRUE(good);
  }
  // The bad input stored nothing, and the good client still appends.
  void ExpectNothingStoredAndOthersContinue(uint64_t size_before) {
    EXPECT_EQ(f.ledger->Size(), size_before);
    auto r = good->Append({f.world.Visit(next_house++)});
    ASSERT_EQ(r.size(), 1u);
    EXPECT_TRUE(r[0].ok()) << r[0].status().ToString();
    EXPECT_EQ(f.ledger->Size(), size_before + 1);
  }
  // Appends one event as `cert` and returns its outcome.
  AppendOutcome AppendAs(const std::string& cert, const std::string& event) {
    auto c = f.Connect(cert);
    EXPECT_TRUE(c);
    auto r = c->Append({event});
    EXPECT_EQ(r.size(), 1u);
    return r[0];
  }

  NetFixture f;
  std::unique_ptr<Client> good;
  int next_house = 500;
};

TEST_F(BadInputTest, GarbageBytes) {
  const uint64_t size = f.ledger->Size();
  auto t = Raw(f, "pho-33");
  ASSERT_TRUE(t->Write("GET / HTTP/1.1\r\nHost: ledger\r\n\r\n").ok());
  ExpectErrorThenClose(*t, "MALFORMED_FRAME");
  ExpectNothingStoredAndOthersContinue(size);
}

TEST_F(BadInputTest, WellFramedGarbage) {
  const uint64_t size = f.ledger->Size();
  auto t = Raw(f, "pho-33");
  std::string frame = Le32(0) + Le32(4) + std::string(32, '\xff');  // one segment of 4 words
  ASSERT_TRUE(t->Write(frame).ok());
  ExpectErrorThenClose(*t, "MALFORMED_MESSAGE");
  ExpectNothingStoredAndOthersContinue(size);
}

TEST_F(BadInputTest, OversizedFrameIsRefusedFromItsHeader) {
  const uint64_t size = f.ledger->Size();
  auto t = Raw(f, "pho-33");
  // One segment of 4 Mi words (32 MiB) announced; only the header is sent.
  ASSERT_TRUE(t->Write(Le32(0) + Le32(4u << 20)).ok());
  ExpectErrorThenClose(*t, "FRAME_TOO_LARGE");
  ExpectNothingStoredAndOthersContinue(size);
}

TEST_F(BadInputTest, TruncatedFrameTimesOut) {
  const uint64_t size = f.ledger->Size();
  auto t = Raw(f, "pho-33");
  std::string frame = RequestFrame([&](auto r) {
    r.initAppend().initEvents(1);
  });
  ASSERT_TRUE(t->Write(frame.substr(0, frame.size() / 2)).ok());
  ExpectErrorThenClose(*t, "FRAME_TIMEOUT");
  ExpectNothingStoredAndOthersContinue(size);
}

TEST_F(BadInputTest, DeepNesting) {
  const uint64_t size = f.ledger->Size();
  auto t = Raw(f, "pho-33");
  std::string frame = RequestFrame([&](auto r) {
    auto sb = r.initAppend().initEvents(1)[0];
    auto body = sb.initBody();
    body.setAgency("PHO-33");
    body.setOfficer("off-1");
    auto payload = body.initPayload();
    for (int i = 0; i < 40; ++i) {
      auto c = payload.initCorrection();
      c.setReason("again");
      payload = c.getAction().initReplacement();
    }
    payload.initHouseholdVisited();
  });
  ASSERT_TRUE(t->Write(frame).ok());
  ExpectErrorThenClose(*t, "TOO_DEEP");
  ExpectNothingStoredAndOthersContinue(size);
}

TEST_F(BadInputTest, WrongRole) {
  const uint64_t size = f.ledger->Size();
  EXPECT_EQ(AppendAs("mirror", f.world.Visit(1)).status().reason(), "WRONG_ROLE");
  EXPECT_EQ(AppendAs("operator", f.world.Visit(1)).status().reason(), "NOT_ALLOWED_FOR_ROLE");
  ExpectNothingStoredAndOthersContinue(size);
}

TEST_F(BadInputTest, EventOfAnotherAgency) {
  const uint64_t size = f.ledger->Size();
  // DOAE-33's connection sending a PHO-33 event.
  EXPECT_EQ(AppendAs("doae-33", f.world.Visit(1)).status().reason(), "WRONG_AGENCY");
  ExpectNothingStoredAndOthersContinue(size);
}

TEST_F(BadInputTest, OfficerOfAnotherAgency) {
  const uint64_t size = f.ledger->Size();
  // A PHO-33 event signed by DOAE-33's officer.
  EventSigner s{f.world.agency_code, "off-9", &f.other_officer_key};
  EXPECT_EQ(AppendAs("pho-33", f.world.Visit(1, s)).status().reason(), "OFFICER_AGENCY_MISMATCH");
  ExpectNothingStoredAndOthersContinue(size);
}

TEST_F(BadInputTest, RevokedKey) {
  const uint64_t size = f.ledger->Size();
  EXPECT_EQ(AppendAs("pho-33", f.world.Visit(1, f.RevokedOfficer())).status().reason(), "KEY_REVOKED");
  ExpectNothingStoredAndOthersContinue(size);
}

TEST_F(BadInputTest, BadSignature) {
  const uint64_t size = f.ledger->Size();
  EXPECT_EQ(AppendAs("pho-33", NetFixture::BreakSignature(f.world.Visit(1))).status().reason(), "BAD_SIGNATURE");
  ExpectNothingStoredAndOthersContinue(size);
}

TEST_F(BadInputTest, UnknownHousehold) {
  const uint64_t size = f.ledger->Size();
  std::string visit = f.world.factory.Make(f.world.Officer(), "33019999999", testing::kDay,
                                           [](schema::Payload::Builder p) { p.initHouseholdVisited(); });
  EXPECT_EQ(AppendAs("pho-33", visit).status().reason(), "HOUSEHOLD_NOT_TARGETED");
  ExpectNothingStoredAndOthersContinue(size);
}

// Issue 9 item 4 over the wire: an event over the 64 KiB cap is refused
// with its reason, nothing of it is stored, and the connection and the
// other clients go on.
TEST_F(BadInputTest, AnEventOverTheSizeCapIsRefusedOverTheWire) {
  const uint64_t size = f.ledger->Size();
  std::string big = f.world.factory.Make(f.world.Officer(), testing::World::HouseCode(1), testing::kDay,
                                         [](schema::Payload::Builder p) {
                                           p.initHouseholdVisited().setPurpose(std::string(70 * 1024, 'x'));
                                         });
  ASSERT_GT(big.size(), size_t{64} << 10);
  EXPECT_EQ(AppendAs("pho-33", big).status().reason(), "EVENT_TOO_LARGE");
  ExpectNothingStoredAndOthersContinue(size);
}

TEST_F(BadInputTest, ReplayedIdempotencyKeyReturnsTheOriginalSeq) {
  std::string event = f.world.Visit(1);
  auto first = AppendAs("pho-33", event);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  const uint64_t size = f.ledger->Size();
  auto again = AppendAs("pho-33", event);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->duplicate);
  EXPECT_EQ(again->seq, first->seq);
  EXPECT_EQ(again->leaf_hash, first->leaf_hash);
  ExpectNothingStoredAndOthersContinue(size);
}

TEST_F(BadInputTest, OneBadEventDoesNotSpoilItsBatch) {
  const uint64_t size = f.ledger->Size();
  auto r = good->Append({f.world.Visit(700), NetFixture::BreakSignature(f.world.Visit(701)), f.world.Visit(702)});
  ASSERT_EQ(r.size(), 3u);
  EXPECT_TRUE(r[0].ok());
  EXPECT_EQ(r[1].status().reason(), "BAD_SIGNATURE");
  EXPECT_TRUE(r[2].ok());
  EXPECT_EQ(f.ledger->Size(), size + 2);
}

TEST(DevInsecureTest, HelloSetsTheIdentityAndTruncatedFramesAreNamed) {
  NetFixture f;
  net::ServerOptions o = f.DefaultServerOptions();
  o.dev_insecure = true;
  f.StartServer(o);
  net::TransportOptions t;
  t.port = f.server->port();
  t.dev_insecure = true;
  // Nothing but hello before hello.
  auto raw = net::Transport::Connect(t);
  ASSERT_TRUE(raw.ok());
  ASSERT_TRUE((*raw)->Write(RequestFrame([](auto r) { r.initCheckpoint(); }, 5)).ok());
  Reply r = ReadReply(**raw);
  EXPECT_EQ(r.id, 5u);
  EXPECT_EQ(r.status.reason(), "HELLO_REQUIRED");
  ASSERT_TRUE((*raw)->Write(RequestFrame([](auto r) {
                               auto h = r.initHello();
                               h.setVersion(protocol::PROTOCOL_VERSION);
                               h.setRole(protocol::Role::INSPECTOR);
                               h.setAgency("insp-9");
                             }, 6))
                  .ok());
  EXPECT_TRUE(ReadReply(**raw).status.ok());
  ASSERT_TRUE((*raw)->Write(RequestFrame([](auto r) { r.initCheckpoint(); }, 7)).ok());
  EXPECT_TRUE(ReadReply(**raw).status.ok());
  // Half a frame, then the end of the stream: the reply names it.
  std::string frame = RequestFrame([](auto r) { r.initCheckpoint(); }, 8);
  ASSERT_TRUE((*raw)->Write(frame.substr(0, frame.size() - 3)).ok());
  ASSERT_TRUE((*raw)->ShutdownSend().ok());
  ExpectErrorThenClose(**raw, "TRUNCATED_FRAME");

  // The client library's dev mode.
  net::ClientOptions co = f.ClientFor("pho-33");
  co.dev_insecure = true;
  co.dev_role = "agency";
  co.dev_name = "PHO-33";
  auto c = Client::Connect(co);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ((*c)->server().name, "PHO-33");
  EXPECT_TRUE((*c)->Append({f.world.Visit(1)})[0].ok());
}

// Role 7 is no enumerant of protocol::Role: the hello is refused with
// BAD_ROLE, the connection stays unidentified, and a good hello still works.
TEST(DevInsecureTest, HelloWithAnUnknownRoleIsRefused) {
  NetFixture f;
  net::ServerOptions o = f.DefaultServerOptions();
  o.dev_insecure = true;
  f.StartServer(o);
  net::TransportOptions t;
  t.port = f.server->port();
  t.dev_insecure = true;
  auto raw = net::Transport::Connect(t);
  ASSERT_TRUE(raw.ok());
  auto hello = [](protocol::Role role, uint64_t id) {
    return RequestFrame([role](auto r) {
      auto h = r.initHello();
      h.setVersion(protocol::PROTOCOL_VERSION);
      h.setRole(role);
      h.setAgency("PHO-33");
    }, id);
  };
  ASSERT_TRUE((*raw)->Write(hello(static_cast<protocol::Role>(7), 3)).ok());
  Reply r = ReadReply(**raw);
  EXPECT_EQ(r.id, 3u);
  EXPECT_EQ(r.status.code(), StatusCode::kInvalidArgument) << r.status.ToString();
  EXPECT_EQ(r.status.reason(), "BAD_ROLE");
  ASSERT_TRUE((*raw)->Write(RequestFrame([](auto r) { r.initAppend().initEvents(0); }, 4)).ok());
  EXPECT_EQ(ReadReply(**raw).status.reason(), "HELLO_REQUIRED");
  ASSERT_TRUE((*raw)->Write(hello(protocol::Role::AGENCY, 5)).ok());
  r = ReadReply(**raw);
  EXPECT_EQ(r.id, 5u);
  EXPECT_TRUE(r.status.ok()) << r.status.ToString();
  // Known now: the identity cannot change, and an unknown role is still no role.
  ASSERT_TRUE((*raw)->Write(hello(static_cast<protocol::Role>(7), 6)).ok());
  EXPECT_EQ(ReadReply(**raw).status.reason(), "BAD_ROLE");
}

TEST(ServerTest, HelloWithAnUnknownRoleIsRefusedOverTls) {
  NetFixture f;
  f.StartServer();
  auto t = Raw(f, "pho-33");
  ASSERT_TRUE(t);
  ASSERT_TRUE(t->Write(RequestFrame([](auto r) {
                   auto h = r.initHello();
                   h.setVersion(protocol::PROTOCOL_VERSION);
                   h.setRole(static_cast<protocol::Role>(7));
                   h.setAgency("PHO-33");
                 }))
                  .ok());
  EXPECT_EQ(ReadReply(*t).status.reason(), "BAD_ROLE");
}

TEST(ServerTest, HelloCannotClaimAnotherIdentityOverTls) {
  NetFixture f;
  f.StartServer();
  auto t = Raw(f, "inspector");
  ASSERT_TRUE(t->Write(RequestFrame([](auto r) {
                   auto h = r.initHello();
                   h.setVersion(protocol::PROTOCOL_VERSION);
                   h.setRole(protocol::Role::AGENCY);
                   h.setAgency("PHO-33");
                 }))
                  .ok());
  EXPECT_EQ(ReadReply(*t).status.reason(), "IDENTITY_MISMATCH");
  ASSERT_TRUE(t->Write(RequestFrame([](auto r) { r.initAppend().initEvents(0); }, 2)).ok());
  EXPECT_EQ(ReadReply(*t).status.reason(), "WRONG_ROLE");  // still the certificate's inspector
}

// ---------------------------------------------------------------- a lying server

class LyingServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    net::ServerOptions o = f.DefaultServerOptions();
    o.faults.inclusion_path = [this](std::vector<Hash>& path) {
      if (forge_inclusion && !path.empty()) path[0][0] ^= 1;
    };
    o.faults.consistency_path = [this](std::vector<Hash>& path) {
      if (forge_consistency && !path.empty()) path[0][0] ^= 1;
    };
    o.faults.event_leaf = [this](std::string& leaf) {
      if (forge_leaf) leaf[leaf.size() - 1] ^= 1;
    };
    o.faults.checkpoint = [this](std::string& note) {
      std::lock_guard lock(mu);
      if (!fake_note.empty()) note = fake_note;
    };
    f.StartServer(o);
    c = f.Connect("inspector");
    ASSERT_TRUE(c);
    writer = f.Connect("pho-33");
    for (int i = 0; i < 6; ++i) ASSERT_TRUE(writer->Append({f.world.Visit(i)})[0].ok());
  }
  // A checkpoint note of `size` with a made-up root, signed with the real server key.
  std::string ForkedNote(uint64_t size) {
    NoteSigner signer(f.ledger->info().key_name, f.world.server);
    Hash root{};
    root[7] = 42;
    return *signer.Sign(FormatCheckpoint({f.ledger->info().origin, size, root, {}}));
  }

  NetFixture f;
  std::unique_ptr<Client> c, writer;
  std::atomic<bool> forge_inclusion{false}, forge_consistency{false}, forge_leaf{false};
  std::mutex mu;
  std::string fake_note;
};

TEST_F(LyingServerTest, ForgedInclusionProofIsRefused) {
  forge_inclusion = true;
  EXPECT_EQ(c->Prove(3).status().reason(), "BAD_PROOF");
  EXPECT_EQ(c->GetEvent(3).status().reason(), "BAD_PROOF");
  forge_inclusion = false;
  EXPECT_TRUE(c->Prove(3).ok());
}

TEST_F(LyingServerTest, TamperedEventIsRefused) {
  forge_leaf = true;
  auto e = c->GetEvent(4);
  EXPECT_FALSE(e.ok());
  EXPECT_EQ(e.status().code(), StatusCode::kDataLoss) << e.status().ToString();
  EXPECT_FALSE(c->History(testing::World::HouseCode(1)).ok());
}

TEST_F(LyingServerTest, ForgedConsistencyProofIsRefused) {
  ASSERT_TRUE(c->LatestCheckpoint().ok());
  ASSERT_TRUE(writer->Append({f.world.Visit(50)})[0].ok());
  forge_consistency = true;
  auto cp = c->LatestCheckpoint();  // larger: needs a consistency proof
  EXPECT_EQ(cp.status().reason(), "INCONSISTENT_CHECKPOINT") << cp.status().ToString();
}

TEST_F(LyingServerTest, ForkedCheckpointOfTheSameSizeIsRefused) {
  auto real = c->LatestCheckpoint();
  ASSERT_TRUE(real.ok());
  {
    std::lock_guard lock(mu);
    fake_note = ForkedNote(real->checkpoint.size);
  }
  EXPECT_EQ(c->LatestCheckpoint().status().reason(), "INCONSISTENT_CHECKPOINT");
}

TEST_F(LyingServerTest, ForkedLargerCheckpointIsRefused) {
  ASSERT_TRUE(c->LatestCheckpoint().ok());
  {
    std::lock_guard lock(mu);
    fake_note = ForkedNote(f.ledger->Size() + 5);
  }
  EXPECT_EQ(c->LatestCheckpoint().status().reason(), "INCONSISTENT_CHECKPOINT");
}

TEST_F(LyingServerTest, CheckpointSignedByAnotherKeyIsRefused) {
  NoteSigner other(f.ledger->info().key_name, testing::KeyFromByte(77));
  {
    std::lock_guard lock(mu);
    fake_note = *other.Sign(FormatCheckpoint({f.ledger->info().origin, 3, Hash{}, {}}));
  }
  EXPECT_EQ(c->LatestCheckpoint().status().reason(), "BAD_CHECKPOINT_SIGNATURE");
}

TEST_F(LyingServerTest, StateFileCatchesAForkAcrossRuns) {
  net::ClientOptions o = f.ClientFor("inspector");
  o.state_file = f.dir.Sub("client/state.json");
  {
    auto first = Client::Connect(o);
    ASSERT_TRUE(first.ok());
    ASSERT_TRUE((*first)->LatestCheckpoint().ok());
  }
  ASSERT_TRUE(writer->Append({f.world.Visit(60)})[0].ok());
  forge_consistency = true;
  auto second = Client::Connect(o);  // a new process, the same state file
  ASSERT_TRUE(second.ok());
  EXPECT_EQ((*second)->LatestCheckpoint().status().reason(), "INCONSISTENT_CHECKPOINT");
}

// ---------------------------------------------------------------- load

TEST(ServerTest, ThirtyTwoClientsAtOnceEveryEventExactlyOnce) {
  NetFixture f;
  f.StartServer();
  constexpr int kClients = 32, kBatches = 5, kPerBatch = 10;
  // Pre-made events (the factory is single-threaded): each targets a new house.
  std::vector<std::vector<std::vector<std::string>>> work(kClients);
  int house = 1000;
  for (auto& w : work) {
    w.resize(kBatches);
    for (auto& b : w) {
      for (int i = 0; i < kPerBatch; ++i) b.push_back(f.world.Target(house++));
    }
  }
  const uint64_t base = f.ledger->Size();
  std::vector<std::vector<std::vector<AppendOutcome>>> results(kClients);
  std::vector<std::thread> threads;
  for (int i = 0; i < kClients; ++i) {
    threads.emplace_back([&, i] {
      auto c = Client::Connect(f.ClientFor("pho-33"));
      ASSERT_TRUE(c.ok()) << c.status().ToString();
      results[i] = (*c)->AppendPipelined(work[i], 3);
    });
  }
  for (auto& t : threads) t.join();
  std::set<uint64_t> seqs;
  for (int i = 0; i < kClients; ++i) {
    ASSERT_EQ(results[i].size(), static_cast<size_t>(kBatches));
    for (int b = 0; b < kBatches; ++b) {
      for (int k = 0; k < kPerBatch; ++k) {
        const AppendOutcome& o = results[i][b][k];
        ASSERT_TRUE(o.ok()) << o.status().ToString();
        EXPECT_TRUE(seqs.insert(o->seq).second) << "seq " << o->seq << " acknowledged twice";
        EXPECT_EQ(*f.ledger->LeafHash(o->seq), o->leaf_hash);
      }
    }
  }
  EXPECT_EQ(f.ledger->Size(), base + kClients * kBatches * kPerBatch);
  EXPECT_EQ(seqs.size(), static_cast<size_t>(kClients * kBatches * kPerBatch));
}

TEST(ServerTest, PushbackIsRetriedUntilEveryEventIsStoredOnce) {
  LedgerOptions lo;
  lo.max_queued_events = 8;   // tiny queue: pushback under any load
  lo.max_batch_events = 4;
  NetFixture f(lo);
  net::ServerOptions o = f.DefaultServerOptions();
  o.pushback_retry_ms = 5;
  f.StartServer(o);
  std::vector<std::vector<std::string>> batches;
  int house = 2000;
  for (int b = 0; b < 20; ++b) {
    batches.emplace_back();
    for (int i = 0; i < 6; ++i) batches.back().push_back(f.world.Target(house++));
  }
  const uint64_t base = f.ledger->Size();
  std::vector<std::thread> threads;
  std::vector<std::vector<std::vector<AppendOutcome>>> results(4);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      net::ClientOptions co = f.ClientFor("pho-33");
      co.max_attempts = 30;  // a queue of 8 for 120 events: many pushbacks
      auto c = Client::Connect(co);
      ASSERT_TRUE(c.ok());
      std::vector<std::vector<std::string>> mine(batches.begin() + t * 5, batches.begin() + (t + 1) * 5);
      results[t] = (*c)->AppendPipelined(mine, 5);
    });
  }
  for (auto& t : threads) t.join();
  size_t ok = 0;
  for (auto& per_client : results) {
    for (auto& batch : per_client) {
      for (auto& o : batch) {
        EXPECT_TRUE(o.ok()) << o.status().ToString();
        ok += o.ok();
      }
    }
  }
  EXPECT_EQ(ok, 120u);
  EXPECT_EQ(f.ledger->Size(), base + 120);
}

TEST(ServerTest, IdleConnectionsTimeOut) {
  NetFixture f;
  net::ServerOptions o = f.DefaultServerOptions();
  o.idle_timeout = std::chrono::milliseconds(300);
  f.StartServer(o);
  auto t = Raw(f, "inspector");
  ExpectErrorThenClose(*t, "IDLE_TIMEOUT");
  // A client reconnects transparently.
  auto c = f.Connect("inspector");
  ASSERT_TRUE(c);
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  EXPECT_TRUE(c->LatestCheckpoint().ok());
}

TEST(ServerTest, ShutdownAnswersWhatIsInFlight) {
  NetFixture f;
  f.StartServer();
  std::vector<std::vector<std::string>> batches(20);
  int house = 3000;
  for (auto& b : batches) {
    for (int i = 0; i < 20; ++i) b.push_back(f.world.Target(house++));
  }
  net::ClientOptions co = f.ClientFor("pho-33");
  co.max_attempts = 2;  // the server goes away for good
  auto c = Client::Connect(co);
  ASSERT_TRUE(c.ok());
  std::vector<std::vector<AppendOutcome>> results;
  std::thread sender([&] { results = (*c)->AppendPipelined(batches, 20); });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  f.StopServer();
  sender.join();
  // Every event the client was told about is stored with that seq and hash.
  for (auto& b : results) {
    for (auto& o : b) {
      if (o.ok()) EXPECT_EQ(*f.ledger->LeafHash(o->seq), o->leaf_hash);
    }
  }
}

// A handler that throws (here a fault hook; in life a bug, std::bad_alloc,
// a library's std::exception) is an INTERNAL_ERROR reply, not the end of
// ledgerd: on an I/O thread (getEvent), on the blocking pool (a household's
// history) and in a subscription; the same connection, other clients and
// appends go on.
TEST(ServerTest, AnExceptionInAHandlerIsAnErrorReplyNotAnExit) {
  NetFixture f;
  std::atomic<bool> fail{false};
  net::ServerOptions o = f.DefaultServerOptions();
  o.faults.event_leaf = [&fail](std::string&) {
    if (fail) throw std::runtime_error("a bug in the handler");
  };
  f.StartServer(o);
  auto writer = f.Connect("pho-33");
  ASSERT_TRUE(writer);
  ASSERT_TRUE(writer->Append({f.world.Visit(1)})[0].ok());
  auto t = Raw(f, "inspector");
  ASSERT_TRUE(t);
  fail = true;
  auto expect_internal = [&](uint64_t id, const Reply& r) {
    EXPECT_EQ(r.id, id);
    EXPECT_EQ(r.status.code(), StatusCode::kInternal) << r.status.ToString();
    EXPECT_EQ(r.status.reason(), "INTERNAL_ERROR");
    EXPECT_NE(r.status.message().find("a bug in the handler"), std::string::npos) << r.status.message();
  };
  ASSERT_TRUE(t->Write(RequestFrame([](auto r) { r.initGetEvent().setSeq(0); }, 11)).ok());
  expect_internal(11, ReadReply(*t));
  ASSERT_TRUE(t->Write(RequestFrame([](auto r) { r.initHouseholdHistory().setHousehold(testing::World::HouseCode(1)); }, 12))
                  .ok());
  expect_internal(12, ReadReply(*t));
  ASSERT_TRUE(t->Write(RequestFrame([](auto r) { r.initSubscribe().setFromSeq(0); }, 13)).ok());
  expect_internal(13, ReadReply(*t));
  fail = false;
  ASSERT_TRUE(t->Write(RequestFrame([](auto r) { r.initGetEvent().setSeq(0); }, 14)).ok());
  Reply again = ReadReply(*t);
  EXPECT_EQ(again.id, 14u);
  EXPECT_TRUE(again.status.ok()) << again.status.ToString();
  ASSERT_TRUE(writer->Append({f.world.Visit(2)})[0].ok());
  auto other = f.Connect("inspector");
  ASSERT_TRUE(other);
  EXPECT_TRUE(other->LatestCheckpoint().ok());
}

}  // namespace
}  // namespace ledger
