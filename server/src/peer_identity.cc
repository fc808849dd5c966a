#include "peer_identity.h"

#include <openssl/x509.h>

#include <memory>

#include "ledger/net/protocol_codec.h"
#include "ledger/reasons.h"

namespace ledger::net {
namespace {

// The first entry of `nid` in `name`, as UTF-8; empty when absent.
std::string NameEntry(X509_NAME* name, int nid) {
  int i = X509_NAME_get_index_by_NID(name, nid, -1);
  if (i < 0) return {};
  ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i));
  unsigned char* utf8 = nullptr;
  int n = ASN1_STRING_to_UTF8(&utf8, data);
  if (n < 0) return {};
  std::string out(reinterpret_cast<char*>(utf8), static_cast<size_t>(n));
  OPENSSL_free(utf8);
  return out;
}

}  // namespace

StatusOr<Identity> PeerIdentity(SSL* ssl) {
  X509* cert = SSL_get0_peer_certificate(ssl);
  if (cert == nullptr) return PermissionDeniedError("the client sent no certificate", reason::kNoCertificate);
  if (SSL_get_verify_result(ssl) != X509_V_OK) {
    return PermissionDeniedError("the client certificate did not verify", reason::kBadCertificate);
  }
  X509_NAME* subject = X509_get_subject_name(cert);
  Identity who;
  who.name = NameEntry(subject, NID_commonName);
  if (who.name.empty()) return PermissionDeniedError("the client certificate has no CN", reason::kBadCertificate);
  auto role = RoleFromName(NameEntry(subject, NID_organizationalUnitName));
  if (!role.ok()) {
    return PermissionDeniedError("the client certificate's OU names no role: " + role.status().message(),
                                 reason::kBadCertificate);
  }
  who.role = *role;
  who.known = true;
  return who;
}

}  // namespace ledger::net
