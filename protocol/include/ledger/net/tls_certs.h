// Development TLS material for ledgerd and its clients (OpenSSL 3): a CA,
// a server certificate, and client certificates whose subject names the
// agency or user (CN) and the role (OU: agency, inspector, mirror,
// operator) -- the identity ledgerd reads (docs/protocol.md "Identity").
// Keys are ECDSA P-256; certificates are X.509 v3 signed with SHA-256.
//
//   RETURN_IF_ERROR(MakeCa({"ca.crt", "ca.key"}, "Assistance Ledger dev CA", 3650));
//   RETURN_IF_ERROR(MakeServerCert({"ca.crt", "ca.key"}, {"server.crt", "server.key"},
//                                  {"localhost", "127.0.0.1"}, 825));
//   RETURN_IF_ERROR(MakeClientCert({"ca.crt", "ca.key"}, {"pho-33.crt", "pho-33.key"},
//                                  "PHO-33", "agency", 825));
//
// Private keys are written with mode 0600, certificates 0644, each through
// WriteFileDurably (ledger/durable_file.h). Existing files are replaced.
#pragma once

#include <string>
#include <vector>

#include "ledger/status.h"

namespace ledger::tls {

struct CertKeyPaths {
  std::string cert;
  std::string key;
};

// A self-signed CA certificate (basicConstraints CA:TRUE, keyCertSign).
Status MakeCa(const CertKeyPaths& out, const std::string& common_name, int days);
// A server certificate for `names` (DNS names or IP addresses, as
// subjectAltName; the first is also the CN), extendedKeyUsage serverAuth.
Status MakeServerCert(const CertKeyPaths& ca, const CertKeyPaths& out, const std::vector<std::string>& names,
                      int days);
// A client certificate with CN = `name` and OU = `role`, extendedKeyUsage
// clientAuth. InvalidArgument unless `role` is agency, inspector, mirror or
// operator.
Status MakeClientCert(const CertKeyPaths& ca, const CertKeyPaths& out, const std::string& name,
                      const std::string& role, int days);

}  // namespace ledger::tls
