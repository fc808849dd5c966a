// Fixture for the network tests: a store with the test World's registry
// (two agencies, officers, one revoked), a development PKI (CA, server and
// client certificates per role), and a ledgerd Server on 127.0.0.1 with an
// ephemeral port, in-process.
//
//   NetFixture f;                              // store + PKI
//   f.StartServer();                           // TLS, port 0
//   auto c = f.Connect("agency", "PHO-33");    // verifying client
//   auto r = c->Append({f.world.Visit(1)});
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "ledger/event_codec.h"
#include "ledger/net/client.h"
#include "ledger/net/server.h"
#include "support/test_ledger.h"
#include "ledger/net/tls_certs.h"

namespace ledger::testing {

class NetFixture {
 public:
  static constexpr char kOtherAgency[] = "DOAE-33";

  PrivateKey other_agency_key = KeyFromByte(6);
  PrivateKey other_officer_key = KeyFromByte(8);
  PrivateKey revoked_key = KeyFromByte(9);
  EventSigner OtherOfficer() const { return {kOtherAgency, "off-9", &other_officer_key}; }
  EventSigner RevokedOfficer() const { return {world.agency_code, "off-3", &revoked_key}; }

  explicit NetFixture(LedgerOptions ledger_options = {}) {
    MakePki();
    auto l = world.Create(dir.Sub("store"), ledger_options);
    EXPECT_TRUE(l.ok()) << l.status().ToString();
    ledger = std::move(*l);
    std::vector<std::string> boot = world.Bootstrap();
    boot.push_back(world.factory.AgencyRegistered(world.root, kOtherAgency, "สำนักงานเกษตรจังหวัดศรีสะเกษ",
                                                  "Sisaket Agriculture Office", {schema::Dimension::INCOME},
                                                  other_agency_key.PublicKeyBytes(), kDay, "33"));
    boot.push_back(world.factory.OfficerRegistered(other_agency_key, kOtherAgency, "off-9",
                                                   other_officer_key.PublicKeyBytes(), kDay));
    boot.push_back(world.factory.OfficerRegistered(world.agency, world.agency_code, "off-3",
                                                   revoked_key.PublicKeyBytes(), kDay));
    boot.push_back(world.factory.OfficerKeyRevoked(world.agency, world.agency_code, "off-3", "lost phone", kDay));
    AppendOk(*ledger, boot);
    vkey = ledger->info().VerifierKey();
  }
  ~NetFixture() { StopServer(); }

  std::string Cert(const std::string& name) const { return dir.Sub("pki/" + name + ".crt"); }
  std::string Key(const std::string& name) const { return dir.Sub("pki/" + name + ".key"); }

  net::ServerOptions DefaultServerOptions() const {
    net::ServerOptions o;
    o.listen_host = "127.0.0.1";
    o.listen_port = 0;
    o.tls = {Cert("server"), Key("server"), Cert("ca")};
    o.io_threads = 2;
    return o;
  }

  void StartServer(net::ServerOptions o) {
    auto s = net::Server::Start(ledger.get(), std::move(o));
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    server = std::move(*s);
  }
  void StartServer() { StartServer(DefaultServerOptions()); }
  void StopServer() {
    if (server) server->Shutdown();
    server.reset();
  }

  // Closes the store for a ledgerd child process, with the server key where
  // ledgerd looks for it (STORE/keys/server.pem); returns the store path.
  std::string HandStoreToProcess() {
    const std::string store = dir.Sub("store");
    std::filesystem::create_directories(store + "/keys");
    EXPECT_TRUE(world.server.SavePemFile(store + "/keys/server.pem").ok());
    ledger.reset();
    return store;
  }

  // Client options for a certificate made by MakePki ("pho-33", "inspector", ...).
  net::ClientOptions ClientFor(const std::string& cert_name) const {
    net::ClientOptions o;
    o.server = server ? server->endpoint() : "";  // set by the caller when no in-process server
    o.tls = {Cert(cert_name), Key(cert_name), Cert("ca")};
    o.server_vkey = vkey;
    o.timeout = std::chrono::milliseconds(20000);
    return o;
  }
  std::unique_ptr<net::Client> Connect(const std::string& cert_name) {
    auto c = net::Client::Connect(ClientFor(cert_name));
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return c.ok() ? std::move(*c) : nullptr;
  }

  // A copy of `signed_body` with one bit of its signature flipped.
  static std::string BreakSignature(const std::string& signed_body) {
    auto m = MessageBytes::Parse(signed_body, /*framed=*/true);
    EXPECT_TRUE(m.ok());
    capnp::MallocMessageBuilder b;
    b.setRoot(m->Root<schema::SignedBody>());
    auto sb = b.getRoot<schema::SignedBody>();
    std::string sig(reinterpret_cast<const char*>(sb.getSignature().begin()), sb.getSignature().size());
    sig[5] ^= 1;
    sb.setSignature(capnp::Data::Reader(reinterpret_cast<const uint8_t*>(sig.data()), sig.size()));
    auto words = capnp::messageToFlatArray(b);
    return std::string(reinterpret_cast<const char*>(words.asBytes().begin()), words.asBytes().size());
  }

  TempDir dir;
  World world;
  std::unique_ptr<Ledger> ledger;
  std::unique_ptr<net::Server> server;
  std::string vkey;

 private:
  void MakePki() {
    std::filesystem::create_directories(dir.Sub("pki"));
    tls::CertKeyPaths ca{Cert("ca"), Key("ca")};
    auto check = [](const Status& s) { ASSERT_TRUE(s.ok()) << s.ToString(); };
    check(tls::MakeCa(ca, "test CA", 30));
    check(tls::MakeServerCert(ca, {Cert("server"), Key("server")}, {"127.0.0.1", "localhost"}, 30));
    check(tls::MakeClientCert(ca, {Cert("pho-33"), Key("pho-33")}, "PHO-33", "agency", 30));
    check(tls::MakeClientCert(ca, {Cert("doae-33"), Key("doae-33")}, kOtherAgency, "agency", 30));
    check(tls::MakeClientCert(ca, {Cert("inspector"), Key("inspector")}, "insp-1", "inspector", 30));
    check(tls::MakeClientCert(ca, {Cert("mirror"), Key("mirror")}, "mirror-1", "mirror", 30));
    check(tls::MakeClientCert(ca, {Cert("operator"), Key("operator")}, "ops", "operator", 30));
    // A certificate from a CA the server does not trust.
    tls::CertKeyPaths rogue{dir.Sub("pki/rogue-ca.crt"), dir.Sub("pki/rogue-ca.key")};
    check(tls::MakeCa(rogue, "rogue CA", 30));
    check(tls::MakeClientCert(rogue, {Cert("rogue"), Key("rogue")}, "PHO-33", "agency", 30));
  }
};

}  // namespace ledger::testing
