// ledger: the command-line client of the assistance ledger. See cli.h.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli.h"
#include "ledger/reasons.h"
#include "ledger/version.h"

namespace ledger::cli {
namespace {

// --json: errors are JSON objects on stdout too (Fail).
bool json_errors = false;

// Statuses that mean the command line is wrong, not the server or the data.
bool IsUsage(const Status& s) {
  return s.code() == StatusCode::kInvalidArgument &&
         (s.reason() == reason::kUsage || s.reason() == reason::kBadAddress || s.reason() == reason::kNoTls ||
          s.reason() == reason::kBadTlsFile);
}

}  // namespace

int Fail(const Status& status) {
  if (json_errors) {
    nlohmann::json j = ErrorJson(status);
    j["ok"] = false;
    std::cout << j.dump() << "\n";
  }
  fmt::print(stderr, "ledger: {}{}\n", status.reason().empty() ? "" : status.reason() + ": ", status.message());
  return IsUsage(status) ? kExitUsage : kExitFailure;
}

int UsageError(const std::string& message) { return Fail(InvalidArgumentError(message, reason::kUsage)); }

nlohmann::json ErrorJson(const Status& s) {
  return {{"code", StatusCodeName(s.code())}, {"reason", s.reason()}, {"message", s.message()}};
}

nlohmann::json PathJson(const std::vector<Hash>& path) {
  nlohmann::json j = nlohmann::json::array();
  for (const Hash& h : path) j.push_back(ToHex(h));
  return j;
}

StatusOr<std::string> ReadInput(const std::string& path) {
  std::stringstream buf;
  if (path == "-") {
    buf << std::cin.rdbuf();
  } else {
    std::ifstream in(path);
    if (!in) return NotFoundError(fmt::format("cannot read {}", path), reason::kNoFile);
    buf << in.rdbuf();
  }
  return buf.str();
}

std::string DefaultPath(const std::string& name) {
  const char* home = std::getenv("HOME");
  return fmt::format("{}/.ledger/{}", home && *home ? home : ".", name);
}

StatusOr<std::unique_ptr<net::Client>> Connect(const Globals& g, const std::string& default_role,
                                               const std::string& default_name) {
  if (g.server.empty()) return InvalidArgumentError("--server HOST:PORT is required (or LEDGER_SERVER)", reason::kUsage);
  net::ClientOptions o;
  o.server = g.server;
  o.dev_insecure = g.dev_insecure;
  o.dev_role = g.role.empty() ? default_role : g.role;
  o.dev_name = g.name.empty() ? default_name : g.name;
  if (o.dev_insecure && o.dev_name.empty()) o.dev_name = "cli";
  o.tls = {g.cert, g.key, g.ca};
  o.server_name = g.server_name;
  o.server_vkey = g.vkey;
  if (!g.vkey.empty() && g.vkey[0] == '@') {
    ASSIGN_OR_RETURN(std::string text, ReadInput(g.vkey.substr(1)));
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.pop_back();
    o.server_vkey = text;
  }
  // One state per log, not per address: keyed by the pinned verifier key
  // (which names the log's key and its hash), so the same server reached
  // as localhost and as 127.0.0.1 shares one pin. Only trust on first use,
  // where no key is known yet, falls back to the address.
  std::string state = g.state;
  if (state.empty()) {
    std::string safe = o.server_vkey.empty() ? g.server : o.server_vkey.substr(0, o.server_vkey.rfind('+'));
    for (char& c : safe) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-' && c != '_') c = '-';
    }
    state = DefaultPath("state-" + safe + ".json");
  }
  o.state_file = state;
  o.trust_on_first_use = g.trust_on_first_use;
  o.timeout = std::chrono::milliseconds(g.timeout_ms);
  return net::Client::Connect(o);
}

namespace {

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

// The first word of argv that is neither an option nor an option's value:
// the command the user meant ("" if none).
std::string CommandWord(CLI::App& app, int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string_view word = argv[i];
    if (word.starts_with("-")) {
      if (word.find('=') != std::string_view::npos) continue;
      const CLI::Option* o = app.get_option_no_throw(std::string(word));
      if (o && o->get_expected_min() > 0) ++i;   // skip its value
      continue;
    }
    return std::string(word);
  }
  return "";
}

// "unknown command 'reports'; did you mean 'report'?" for a word that is
// no command; "" when the word is a command (the error is elsewhere).
std::string UnknownCommand(CLI::App& app, const std::string& word) {
  std::string best;
  size_t best_distance = 3;   // suggest within two edits
  std::vector<std::string> names;
  for (const CLI::App* sub : app.get_subcommands({})) {
    const std::string& name = sub->get_name();
    if (name == word) return "";
    names.push_back(name);
    const size_t d = EditDistance(word, name);
    if (d < best_distance || (best.empty() && name.starts_with(word))) {
      best_distance = std::min(d, best_distance);
      best = name;
    }
  }
  std::string message = fmt::format("unknown command '{}'", word);
  if (!best.empty()) message += fmt::format("; did you mean '{}'?", best);
  return message + fmt::format(" (commands: {})", fmt::join(names, ", "));
}

int Main(int argc, char** argv) {
  CLI::App app{
      "ledger: the assistance ledger client. Appends signed events, queries households and events, and\n"
      "verifies everything the server says against its pinned checkpoint key (inclusion proofs, consistency\n"
      "with the last checkpoint seen, kept in a state file).\n"
      "Exit codes: 0 ok, 1 failure or a claim that does not verify, 2 usage."};
  app.set_version_flag("--version", ledger::VersionLine("ledger"));
  app.name("ledger");
  app.require_subcommand(1);
  // Global options may also follow the command (`ledger prove 5 --json`, DESIGN.md §8).
  app.fallthrough();
  Globals g;
  app.add_option("--server", g.server, "HOST:PORT of ledgerd")->envname("LEDGER_SERVER");
  app.add_flag("--dev-insecure", g.dev_insecure, "plain TCP to a ledgerd started with --dev-insecure");
  app.add_option("--role", g.role, "dev mode: agency, inspector, mirror or operator")->envname("LEDGER_ROLE");
  app.add_option("--name", g.name, "dev mode: agency code or user name")->envname("LEDGER_NAME");
  app.add_option("--cert", g.cert, "client certificate (PEM)")->envname("LEDGER_CERT");
  app.add_option("--cert-key", g.key, "private key of --cert (PEM)")->envname("LEDGER_CERT_KEY");
  app.add_option("--ca", g.ca, "CA of the server certificate (PEM)")->envname("LEDGER_CA");
  app.add_option("--server-name", g.server_name, "name in the server certificate (default: the host)");
  app.add_option("--vkey", g.vkey, "pinned server verifier key, or @FILE")->envname("LEDGER_VKEY");
  app.add_option("--state", g.state, "state file (default ~/.ledger/state-KEYNAME-KEYHASH.json, one per log)")->envname("LEDGER_STATE");
  app.add_flag("--trust-on-first-use", g.trust_on_first_use, "pin the key the server presents if none is pinned");
  app.add_flag("--json", g.json, "machine-readable output");
  app.add_option("--calendar", g.calendar, "years of the dates shown: ce (2022-03-15) or be, the Buddhist Era "
                 "(2565-03-15)")
      ->capture_default_str()
      ->check(CLI::IsMember({"ce", "be"}))
      ->envname("LEDGER_CALENDAR");
  app.add_option("--lang", g.lang, "language of the household timeline: en or th")
      ->capture_default_str()
      ->check(CLI::IsMember({"en", "th"}))
      ->envname("LEDGER_LANG");
  app.add_option("--timeout-ms", g.timeout_ms, "per-reply timeout, and how long to keep retrying to connect (with backoff and jitter) while the server is down or full")->capture_default_str();

  std::vector<Subcommand> commands;
  for (auto add : {AddAppendCommands, AddQueryCommands, AddVerifyClaimCommand}) {
    for (Subcommand& s : add(app, g)) commands.push_back(std::move(s));
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    for (int i = 1; i < argc; ++i) json_errors = json_errors || std::string_view(argv[i]) == "--json";
    if (e.get_exit_code() == 0) return app.exit(e);   // --help, --version
    const std::string word = CommandWord(app, argc, argv);
    const std::string unknown = word.empty() ? "" : UnknownCommand(app, word);
    if (!unknown.empty()) return UsageError(unknown);
    if (json_errors) return UsageError(e.what());
    app.exit(e);   // CLI11's message, then its usage line
    return kExitUsage;
  }
  json_errors = g.json;
  for (Subcommand& s : commands) {
    if (s.app->parsed()) return s.run();
  }
  return UsageError("no command given; see --help");
}

}  // namespace
}  // namespace ledger::cli

int main(int argc, char** argv) {
  try {
    return ledger::cli::Main(argc, argv);
  } catch (const std::exception& e) {
    return ledger::cli::Fail(ledger::InternalError(e.what()));
  }
}
