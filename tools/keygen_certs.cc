#include "keygen_certs.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <vector>

#include "ledger/net/tls_certs.h"
#include "ledger/reasons.h"

namespace ledger::tls {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

int Fail(const std::string& message, int code = kExitFailure) {
  fmt::print(stderr, "ledger-keygen: {}\n", message);
  return code;
}

CertKeyPaths Paths(const std::string& prefix) { return {prefix + ".crt", prefix + ".key"}; }

// Fails when a file of `paths` exists and `force` is off.
Status CheckFree(const CertKeyPaths& paths, bool force) {
  if (force) return OkStatus();
  for (const std::string& p : {paths.cert, paths.key}) {
    std::error_code ec;
    if (std::filesystem::exists(p, ec)) {
      return AlreadyExistsError(fmt::format("{} exists; not overwriting it (use --force)", p), reason::kFileExists);
    }
  }
  return OkStatus();
}

std::string FileName(std::string name) {
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) {
    return std::isalnum(c) || c == '-' || c == '_' || c == '.' ? static_cast<char>(std::tolower(c)) : '_';
  });
  return name;
}

}  // namespace

struct CertCommands::Options {
  CLI::App* ca = nullptr;
  CLI::App* server = nullptr;
  CLI::App* client = nullptr;
  CLI::App* dev = nullptr;
  std::string out, ca_prefix, name, role, dir;
  std::string common_name = "Assistance Ledger development CA";
  std::vector<std::string> hosts;
  std::vector<std::string> agencies, inspectors, mirrors, operators;
  int days = 825;
  bool force = false;
  bool json = false;
  nlohmann::json written = nlohmann::json::array();

  Status Make(const std::string& what, const CertKeyPaths& paths, const std::function<Status()>& make) {
    RETURN_IF_ERROR(CheckFree(paths, force));
    RETURN_IF_ERROR(make());
    written.push_back({{"kind", what}, {"cert", paths.cert}, {"key", paths.key}});
    if (!json) fmt::print("{}: {} {}\n", what, paths.cert, paths.key);
    return OkStatus();
  }
};

CertCommands::CertCommands(CLI::App& app) : o_(std::make_unique<Options>()) {
  Options& o = *o_;
  auto common = [&o](CLI::App* c) {
    c->add_option("--days", o.days, "validity in days")->capture_default_str();
    c->add_flag("--force", o.force, "overwrite existing files");
    c->add_flag("--json", o.json, "print the files written as JSON");
  };
  o.ca = app.add_subcommand("ca", "A development certificate authority: OUT.crt, OUT.key");
  o.ca->add_option("--out", o.out, "path prefix of the files")->required();
  o.ca->add_option("--name", o.common_name, "CA name (CN)")->capture_default_str();
  common(o.ca);

  o.server = app.add_subcommand("server-cert", "A ledgerd certificate signed by the CA: OUT.crt, OUT.key");
  o.server->add_option("--ca", o.ca_prefix, "CA path prefix (CA.crt, CA.key)")->required();
  o.server->add_option("--out", o.out, "path prefix of the files")->required();
  o.server->add_option("--host", o.hosts, "DNS name or IP address of the server (repeatable)")->required();
  common(o.server);

  o.client = app.add_subcommand("client-cert", "A client certificate naming an agency or user and a role");
  o.client->add_option("--ca", o.ca_prefix, "CA path prefix (CA.crt, CA.key)")->required();
  o.client->add_option("--out", o.out, "path prefix of the files")->required();
  o.client->add_option("--name", o.name, "agency code (role agency) or user name: the certificate's CN")->required();
  o.client->add_option("--role", o.role, "agency, inspector, mirror or operator: the certificate's OU")->required();
  common(o.client);

  o.dev = app.add_subcommand("dev-pki", "CA, server and client certificates for a development deployment");
  o.dev->add_option("--dir", o.dir, "directory to write into")->required();
  o.dev->add_option("--host", o.hosts, "server names (default: localhost, 127.0.0.1, ::1)");
  o.dev->add_option("--agency", o.agencies, "agency codes (repeatable)");
  o.dev->add_option("--inspector", o.inspectors, "inspector names (repeatable)");
  o.dev->add_option("--mirror", o.mirrors, "mirror names (repeatable)");
  o.dev->add_option("--operator", o.operators, "operator names (repeatable)");
  common(o.dev);
}

CertCommands::~CertCommands() = default;

std::optional<int> CertCommands::Run() {
  Options& o = *o_;
  Status s;
  if (o.ca->parsed()) {
    s = o.Make("ca", Paths(o.out), [&] { return MakeCa(Paths(o.out), o.common_name, o.days); });
  } else if (o.server->parsed()) {
    s = o.Make("server", Paths(o.out), [&] { return MakeServerCert(Paths(o.ca_prefix), Paths(o.out), o.hosts, o.days); });
  } else if (o.client->parsed()) {
    s = o.Make(o.role, Paths(o.out),
               [&] { return MakeClientCert(Paths(o.ca_prefix), Paths(o.out), o.name, o.role, o.days); });
  } else if (o.dev->parsed()) {
    std::error_code ec;
    std::filesystem::create_directories(o.dir, ec);
    if (ec) return Fail(fmt::format("cannot create {}: {}", o.dir, ec.message()));
    const std::string ca = o.dir + "/ca";
    std::vector<std::string> hosts = o.hosts.empty() ? std::vector<std::string>{"localhost", "127.0.0.1", "::1"}
                                                     : o.hosts;
    s = o.Make("ca", Paths(ca), [&] { return MakeCa(Paths(ca), o.common_name, o.days); });
    if (s.ok()) {
      s = o.Make("server", Paths(o.dir + "/server"),
                 [&] { return MakeServerCert(Paths(ca), Paths(o.dir + "/server"), hosts, o.days); });
    }
    for (auto& [role, names] : {std::pair<std::string, std::vector<std::string>*>{"agency", &o.agencies},
                                {"inspector", &o.inspectors},
                                {"mirror", &o.mirrors},
                                {"operator", &o.operators}}) {
      for (const std::string& name : *names) {
        if (!s.ok()) break;
        const std::string prefix = o.dir + "/" + FileName(name);
        s = o.Make(role, Paths(prefix), [&] { return MakeClientCert(Paths(ca), Paths(prefix), name, role, o.days); });
      }
    }
  } else {
    return std::nullopt;
  }
  if (!s.ok()) return Fail(s.message(), s.code() == StatusCode::kInvalidArgument ? kExitUsage : kExitFailure);
  if (o.json) fmt::print("{}\n", o.written.dump());
  return kExitOk;
}

}  // namespace ledger::tls
