// The read-only HTTP/JSON API of ledgerd (server/src/http_api.h), over real
// sockets on 127.0.0.1: HTTPS with client certificates, and plain HTTP in
// dev mode. A small blocking HTTP/1.1 client (POSIX sockets + OpenSSL) keeps
// Beast out of the test.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <tuple>

#include "ledger/heads.h"
#include "ledger/merkle.h"
#include "ledger/note.h"
#include "net_fixture.h"
#include "support/http_get.h"
#include "support/loopback_socket.h"

namespace ledger {
namespace {

using nlohmann::json;
using testing::NetFixture;

using testing::ConnectLoopback;
using testing::HttpResult;
using testing::PlainGet;

HttpResult TlsGet(uint16_t port, const std::string& target, const std::string& ca, const std::string& cert,
                  const std::string& key) {
  return testing::HttpsGet(port, target, ca, cert, key);
}

class HttpApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto r = f_.ledger->Append({f_.world.Visit(1), f_.world.Visit(1), f_.world.Visit(2)});
    for (auto& x : r) ASSERT_TRUE(x.ok()) << x.status().ToString();
    visit_ = *r[1];
    net::ServerOptions o = f_.DefaultServerOptions();
    o.http_enabled = true;
    f_.StartServer(o);
    port_ = static_cast<uint16_t>(std::stoi(f_.server->http_endpoint().substr(10)));
  }
  HttpResult Get(const std::string& target) {
    return TlsGet(port_, target, f_.Cert("ca"), f_.Cert("inspector"), f_.Key("inspector"));
  }
  json GetJson(const std::string& target, int want_status = 200) {
    HttpResult r = Get(target);
    EXPECT_EQ(r.error, "");
    EXPECT_EQ(r.status, want_status) << target << ": " << r.body;
    EXPECT_NE(r.headers.find("application/json"), std::string::npos) << r.headers;
    return json::parse(r.body, nullptr, /*allow_exceptions=*/false);
  }
  Checkpoint OpenCheckpoint(const std::string& note) {
    auto v = NoteVerifier::Parse(f_.vkey);
    auto opened = OpenNote(note, {*v});
    EXPECT_TRUE(opened.ok()) << opened.status().ToString();
    auto cp = ParseCheckpoint(opened->text);
    EXPECT_TRUE(cp.ok());
    return *cp;
  }

  NetFixture f_;
  AppendResult visit_;
  uint16_t port_ = 0;
};

TEST_F(HttpApiTest, CheckpointIsTheSignedNoteVerbatim) {
  HttpResult r = Get("/v1/checkpoint");
  ASSERT_EQ(r.status, 200) << r.error << r.body;
  EXPECT_NE(r.headers.find("text/plain"), std::string::npos);
  EXPECT_EQ(r.body, *f_.ledger->LatestCheckpoint());
  EXPECT_EQ(OpenCheckpoint(r.body).size, f_.ledger->Size());
}

TEST_F(HttpApiTest, EventBySeqAndByLeafHash) {
  json by_seq = GetJson("/v1/events/" + std::to_string(visit_.seq));
  EXPECT_EQ(by_seq["seq"], visit_.seq);
  EXPECT_EQ(by_seq["kind"], "HouseholdVisited");
  EXPECT_EQ(by_seq["household"], testing::World::HouseCode(1));
  EXPECT_EQ(by_seq["leaf_hash"], ToHex(visit_.leaf_hash));
  EXPECT_EQ(GetJson("/v1/events/" + ToHex(visit_.leaf_hash)), by_seq);
}

TEST_F(HttpApiTest, ProofsVerifyAgainstTheirSignedCheckpoints) {
  json p = GetJson("/v1/events/" + std::to_string(visit_.seq) + "/proof");
  Checkpoint cp = OpenCheckpoint(p["checkpoint"]);
  EXPECT_EQ(p["tree_size"], cp.size);
  std::vector<Hash> path;
  for (auto& h : p["path"]) path.push_back(*HashFromHex(h.get<std::string>()));
  EXPECT_TRUE(merkle::VerifyInclusion(visit_.seq, cp.size, visit_.leaf_hash, path, cp.root).ok());

  // Consistency from the size before SetUp's append (a group commit ended
  // there) up to now.
  const uint64_t bootstrap = visit_.seq - 1;  // size before SetUp's append
  json c = GetJson("/v1/consistency?old=" + std::to_string(bootstrap));
  Checkpoint new_cp = OpenCheckpoint(c["checkpoint"]);
  Checkpoint old_cp = OpenCheckpoint(c["old_checkpoint"]);
  path.clear();
  for (auto& h : c["path"]) path.push_back(*HashFromHex(h.get<std::string>()));
  EXPECT_EQ(c["old_size"], bootstrap);
  EXPECT_EQ(c["new_size"], new_cp.size);
  EXPECT_TRUE(merkle::VerifyConsistency(old_cp.size, new_cp.size, path, old_cp.root, new_cp.root).ok());
  // A proof at a size with no checkpoint is refused.
  json bad = GetJson("/v1/events/0/proof?size=" + std::to_string(bootstrap + 1), 404);
  EXPECT_EQ(bad["error"]["code"], "NOT_FOUND");
}

TEST_F(HttpApiTest, HouseholdStatusHistoryAndReport) {
  const std::string house = testing::World::HouseCode(1);
  json status = GetJson("/v1/households/" + house);
  EXPECT_EQ(status["house_code"], house);
  EXPECT_EQ(status["visits"], 1);
  json history = GetJson("/v1/households/" + house + "/history");
  ASSERT_EQ(history.size(), 2u);
  EXPECT_EQ(history[0]["kind"], "HouseholdTargeted");
  EXPECT_EQ(history[1]["seq"], visit_.seq);
  json report = GetJson("/v1/report?by=province");
  ASSERT_EQ(report.size(), 1u);
  EXPECT_EQ(report[0]["code"], "33");
  EXPECT_EQ(report[0]["targeted"], 2);
  EXPECT_EQ(GetJson("/v1/report?by=district&area=3301")[0]["code"], "3301");
}

TEST_F(HttpApiTest, HeadsProofsOverHttpVerifyWithTheLibrary) {
  const std::string house = testing::World::HouseCode(1);
  for (const auto& [kind, id, present] : std::vector<std::tuple<std::string, std::string, bool>>{
           {"household", house, true}, {"household", testing::World::HouseCode(4242), false},
           {"officer", "off-1", true}, {"agency", "PHO-33", true}, {"agency", "NOBODY", false}}) {
    json h = GetJson("/v1/heads/" + kind + "/" + id);
    ASSERT_TRUE(h.is_object()) << kind << " " << id;
    const uint64_t size = h["tree_size"];
    Checkpoint cp = OpenCheckpoint(h["root_leaf_proof"]["checkpoint"]);
    EXPECT_EQ(cp.size, size);
    auto leaf = FromBase64(h["root_leaf"].get<std::string>());
    ASSERT_TRUE(leaf.ok());
    std::vector<Hash> path;
    for (auto& p : h["root_leaf_proof"]["path"]) path.push_back(*HashFromHex(p.get<std::string>()));
    EXPECT_TRUE(merkle::VerifyInclusion(size - 1, size, merkle::HashLeaf(AsBytes(*leaf)), path, cp.root).ok());
    auto proof = FromHex(h["map_proof"].get<std::string>());
    ASSERT_TRUE(proof.ok());
    std::string head;
    if (!h["head"].is_null()) head = *FromHex(h["head"].get<std::string>());
    heads::EntityKind k = kind == "household" ? heads::EntityKind::kHousehold
                          : kind == "officer" ? heads::EntityKind::kOfficer
                                              : heads::EntityKind::kAgency;
    auto committed = heads::CommittedHead({k, id}, size, *leaf, *proof, head);
    ASSERT_TRUE(committed.ok()) << kind << " " << id << ": " << committed.status().ToString();
    EXPECT_EQ(committed->has_value(), present) << kind << " " << id;
  }
  EXPECT_EQ(GetJson("/v1/heads/planet/x", 400)["error"]["reason"], "BAD_REQUEST");
}

TEST_F(HttpApiTest, ErrorsAreJsonWithStableReasons) {
  struct Case {
    std::string target;
    int status;
    std::string reason;
  };
  for (const Case& c : std::vector<Case>{
           {"/v1/nothing", 404, "NO_ROUTE"},
           {"/", 404, "NO_ROUTE"},
           {"/v1/events/99999", 404, "NO_SUCH_EVENT"},
           {"/v1/events/12x", 400, "BAD_NUMBER"},
           {"/v1/events/" + std::string(64, 'a'), 404, "NO_SUCH_EVENT"},
           {"/v1/households/33019999999", 404, "UNKNOWN_HOUSEHOLD"},
           {"/v1/households/33019999999/history", 404, "UNKNOWN_HOUSEHOLD"},
           {"/v1/report?by=village", 400, "BAD_REPORT"},
           {"/v1/consistency", 400, "BAD_NUMBER"},
           {"/v1/events/%30", 400, "BAD_TARGET"},
       }) {
    json e = GetJson(c.target, c.status);
    EXPECT_EQ(e["error"]["reason"], c.reason) << c.target << ": " << e.dump();
    EXPECT_FALSE(e["error"]["message"].get<std::string>().empty()) << c.target;
  }
  // The server still answers afterwards.
  EXPECT_EQ(Get("/healthz").status, 200);
}

// Bytes that are not UTF-8 anywhere in the target (the path, a query
// value) are a 400 with a JSON reason, never a 500; so is percent-encoding.
TEST_F(HttpApiTest, TargetsThatAreNotUtf8Are400WithAReason) {
  const std::string house = testing::World::HouseCode(1);
  for (const std::string& target : std::vector<std::string>{
           "/v1/households/" + house + "\xFF",
           "/v1/households/\xFF/history",
           "/v1/events/\xC0\xAF",
           "/v1/report?by=province&area=33\xFF",
           "/v1/households/" + house + "/history?from=\xED\xA0\x80",
           "/v1/households/%FF",
       }) {
    HttpResult r = Get(target);
    EXPECT_EQ(r.status, 400) << target << ": " << r.error << r.body;
    json e = json::parse(r.body, nullptr, /*allow_exceptions=*/false);
    ASSERT_TRUE(e.is_object()) << r.body;
    EXPECT_EQ(e["error"]["reason"], "BAD_TARGET") << target << ": " << r.body;
    EXPECT_FALSE(e["error"]["message"].get<std::string>().empty());
  }
  EXPECT_EQ(Get("/healthz").status, 200);
}

TEST_F(HttpApiTest, EveryRoleWithACertificateReadsNobodyWithoutOne) {
  for (const char* who : {"pho-33", "mirror", "operator"}) {
    HttpResult r = TlsGet(port_, "/healthz", f_.Cert("ca"), f_.Cert(who), f_.Key(who));
    EXPECT_EQ(r.status, 200) << who << ": " << r.error;
  }
  HttpResult none = TlsGet(port_, "/healthz", f_.Cert("ca"), "", "");
  EXPECT_EQ(none.status, 0);
  EXPECT_NE(none.error, "");
  HttpResult rogue = TlsGet(port_, "/healthz", f_.Cert("ca"), f_.Cert("rogue"), f_.Key("rogue"));
  EXPECT_EQ(rogue.status, 0);
  // The ledger protocol port is unaffected.
  auto c = f_.Connect("inspector");
  ASSERT_NE(c, nullptr);
  EXPECT_TRUE(c->LatestCheckpoint().ok());
}

TEST(HttpDevInsecureTest, PlainHttpOnLoopbackOnlyAndReadOnly) {
  NetFixture f;
  net::ServerOptions o = f.DefaultServerOptions();
  o.dev_insecure = true;
  o.http_enabled = true;
  o.http_host = "0.0.0.0";
  auto refused = net::Server::Start(f.ledger.get(), o);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().reason(), "INSECURE_NOT_LOOPBACK");

  o.http_host = "127.0.0.1";
  f.StartServer(o);
  const uint16_t port = static_cast<uint16_t>(std::stoi(f.server->http_endpoint().substr(10)));
  HttpResult r = PlainGet(port, "/healthz");
  ASSERT_EQ(r.status, 200) << r.error;
  EXPECT_EQ(json::parse(r.body)["size"], f.ledger->Size());
  HttpResult post = PlainGet(port, "/v1/checkpoint", "POST");
  EXPECT_EQ(post.status, 405);
  EXPECT_NE(post.headers.find("Allow: GET, HEAD"), std::string::npos) << post.headers;
  HttpResult head = PlainGet(port, "/v1/checkpoint", "HEAD");
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.body, "");
  // Garbage is answered 400 and the server goes on.
  int fd = ConnectLoopback(port);
  ASSERT_GE(fd, 0);
  std::string junk = "\x01\x02 not http\r\n\r\n";
  (void)!::write(fd, junk.data(), junk.size());
  std::string raw;
  char buf[4096];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) raw.append(buf, n);
  ::close(fd);
  EXPECT_EQ(testing::ParseHttpResponse(raw).status, 400) << raw;
  EXPECT_EQ(PlainGet(port, "/healthz").status, 200);
}

}  // namespace
}  // namespace ledger
