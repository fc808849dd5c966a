// ledger-keygen's TLS subcommands (tls_certs.h does the work):
//
//   ledger-keygen ca --out pki/ca                      # pki/ca.crt, pki/ca.key
//   ledger-keygen server-cert --ca pki/ca --out pki/server --host localhost --host 127.0.0.1
//   ledger-keygen client-cert --ca pki/ca --out pki/pho-33 --name PHO-33 --role agency
//   ledger-keygen dev-pki --dir pki --agency PHO-33 --inspector insp-1 --mirror mirror-1 --operator ops
//       all of the above at once: ca, server (localhost, 127.0.0.1, ::1) and
//       one client certificate per name, as pki/<lowercase name>.{crt,key}
//
// Existing files are not overwritten without --force. Private keys are 0600.
//
//   CertCommands certs(app);                  // before app.parse()
//   ...parse...
//   if (auto rc = certs.Run()) return *rc;    // a TLS subcommand was chosen
#pragma once

#include <CLI/CLI.hpp>

#include <memory>
#include <optional>

namespace ledger::tls {

class CertCommands {
 public:
  explicit CertCommands(CLI::App& app);
  ~CertCommands();
  // The exit code of the chosen TLS subcommand, or nullopt if none was chosen.
  std::optional<int> Run();

 private:
  struct Options;
  std::unique_ptr<Options> o_;
};

}  // namespace ledger::tls
