// ledger-admin agency add / officer add / officer revoke / menu publish:
// registry events and the poverty-solution menu,
// each signed with the key the trust chain asks for (ledger/src/trust/
// registry.h) and appended through Ledger::Append, so the same checks apply
// as to any event (AGENCY_EXISTS, OFFICER_EXISTS, UNKNOWN_AGENCY, ...).
//
//   AgencyRegistered    signed by the operator's root key   (--root-key, default KEYS/root.pem)
//   OfficerRegistered   signed by the agency's key          (--agency-key, default KEYS/agencies/CODE.pem)
//   OfficerKeyRevoked   signed by the agency's key
//   MenuPublished       signed by the operator's root key   (data/menu.csv or --file; version: the
//                                                            published one + 1 unless --version)
//
// A new agency's or officer's key is made here (random, 0600, KEYS/agencies/
// CODE.pem or KEYS/officers/ID.pem) unless --public-key names the public key
// the agency or officer made themselves. The key file is written before the
// event is appended and removed again when the event is refused, so no
// registered key is ever lost and no stray one is left.
//
// With --jsonl FILE the event is not appended here but written as a JSON
// line for `ledger append FILE --key KEY` through a running ledgerd (the
// store is locked while ledgerd serves it).
#include <fmt/format.h>

#include <filesystem>

#include "admin/admin.h"
#include "common/key_files.h"
#include "ledger/areas.h"
#include "ledger/bytes.h"
#include "ledger/domain_types.h"
#include "ledger/menu.h"
#include "ledger/reasons.h"

namespace ledger::admin {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

struct SignerFlags {
  StoreFlags store;
  std::string server_key;    // opening the store
  std::string signer_key;    // --root-key / --agency-key
  std::string jsonl;
};

void AddSignerFlags(CLI::App* cmd, SignerFlags* f, const std::string& key_flag, const std::string& key_help) {
  AddStoreFlags(cmd, &f->store, "store directory");
  cmd->add_option("--server-key", f->server_key, "the store's checkpoint key (default KEYS/server.pem)");
  cmd->add_option(key_flag, f->signer_key, key_help);
  cmd->add_option("--jsonl", f->jsonl,
                  "write the event as a JSON line for `ledger append FILE --key KEY` (through a running ledgerd) "
                  "instead of appending it here");
}

// A code or id that names its key file: no directory parts.
Status CheckFileName(const std::string& name, const std::string& flag) {
  if (name.empty() || name.find('/') != std::string::npos || name.front() == '.') {
    return InvalidArgumentError(fmt::format("{}: '{}' cannot name a key file (no '/', no leading '.')", flag, name),
                                reason::kBadName);
  }
  return OkStatus();
}

// The subject's key: made here (and written to `key_path`), or the public
// key of --public-key.
struct SubjectKey {
  std::string public_key;
  std::string written;   // the private key file made here, "" when --public-key
};

StatusOr<SubjectKey> MakeOrLoadSubjectKey(const std::string& public_key_file, const std::string& key_path) {
  SubjectKey k;
  if (!public_key_file.empty()) {
    StatusOr<std::string> pk = LoadPublicKeyFile(public_key_file);
    if (!pk.ok()) {
      return InvalidArgumentError(fmt::format("--public-key {}: {}", public_key_file, pk.status().message()),
                                  reason::kBadPublicKey);
    }
    k.public_key = *pk;
    return k;
  }
  ASSIGN_OR_RETURN(PrivateKey key, PrivateKey::Generate());
  RETURN_IF_ERROR(tools::WriteKeyFile(key_path, key, {.exclusive = true}));
  k.public_key = key.PublicKeyBytes();
  k.written = key_path;
  return k;
}

// Signs and appends `event` with the key of `signer_path`, or writes it to
// --jsonl. Removes `subject.written` when the event is not stored.
StatusOr<json> Record(const SignerFlags& f, const std::string& signer_path, const std::string& signer_flag,
                      const json& event, const SubjectKey& subject) {
  auto result = [&]() -> StatusOr<json> {
    if (!f.jsonl.empty()) {
      RETURN_IF_ERROR(WriteEventJsonl(f.jsonl, event));
      return json{{"kind", event["kind"]}, {"jsonl", f.jsonl}, {"sign_with", signer_path}};
    }
    ASSIGN_OR_RETURN(PrivateKey signer, LoadKey(signer_path, signer_flag));
    ASSIGN_OR_RETURN(std::unique_ptr<Ledger> ledger, OpenForAppend(f.store, f.server_key));
    return SignAndAppend(*ledger, event, signer);
  }();
  if (!result.ok() && !subject.written.empty()) {
    std::error_code ec;
    fs::remove(subject.written, ec);
  }
  if (result.ok()) {
    (*result)["public_key"] = ToHex(subject.public_key);
    if (!subject.written.empty()) (*result)["key_file"] = subject.written;
  }
  return result;
}

std::string Describe(const json& r, const std::string& what) {
  std::string text;
  if (r.contains("jsonl")) {
    text = fmt::format("{}: written to {}; send it with `ledger append {} --key {}`\n", what,
                       r["jsonl"].get<std::string>(), r["jsonl"].get<std::string>(), r["sign_with"].get<std::string>());
  } else {
    text = fmt::format("{}: seq {}{}, leaf {}\n", what, r["seq"].get<uint64_t>(),
                       r["duplicate"].get<bool>() ? " (already recorded)" : "", r["leaf_hash"].get<std::string>());
  }
  if (r.contains("key_file")) text += fmt::format("key: {} (mode 0600; hand it over safely)\n", r["key_file"].get<std::string>());
  text += fmt::format("public key: {}\n", r["public_key"].get<std::string>());
  return text;
}

// ---------------------------------------------------------------- agency add

struct AgencyFlags {
  SignerFlags s;
  std::string code, name_th, name_en, province, public_key;
  std::vector<std::string> dimensions;
};

StatusOr<Output> AgencyAdd(const AgencyFlags& f) {
  json dims = json::array();
  for (const std::string& d : f.dimensions) {
    if (!DimensionFromName(d)) {
      return InvalidArgumentError(
          fmt::format("--dimension: '{}' is not a dimension (health, living, education, income, access)", d),
          reason::kBadDimension);
    }
    dims.push_back(d);
  }
  RETURN_IF_ERROR(CheckFileName(f.code, "--code"));
  const std::string signer = f.s.signer_key.empty() ? f.s.store.RootKeyPath() : f.s.signer_key;
  ASSIGN_OR_RETURN(SubjectKey subject, MakeOrLoadSubjectKey(f.public_key, f.s.store.AgencyKeyPath(f.code)));
  json event = {{"kind", "AgencyRegistered"}, {"agency", f.code},       {"occurred_at", TodayBangkok()},
                {"code", f.code},             {"name_th", f.name_th},   {"name_en", f.name_en},
                {"dimensions", dims},         {"public_key", ToHex(subject.public_key)},
                {"province", f.province}};
  ASSIGN_OR_RETURN(json r, Record(f.s, signer, "--root-key", event, subject));
  r["agency"] = f.code;
  return Output{r, Describe(r, "agency " + f.code + " registered")};
}

// ---------------------------------------------------------------- officer add / revoke

struct OfficerFlags {
  SignerFlags s;
  std::string agency, id, role = "mentor", public_key, reason;
  std::vector<std::string> areas;
};

std::string AgencySigner(const OfficerFlags& f) {
  return f.s.signer_key.empty() ? f.s.store.AgencyKeyPath(f.agency) : f.s.signer_key;
}

StatusOr<Output> OfficerAdd(const OfficerFlags& f) {
  static const std::vector<std::string> kRoles = {"mentor", "team_lead", "data_clerk", "supervisor"};
  if (std::find(kRoles.begin(), kRoles.end(), f.role) == kRoles.end()) {
    return InvalidArgumentError(
        fmt::format("--role: '{}' is not a role (mentor, team_lead, data_clerk, supervisor)", f.role),
        reason::kBadRole);
  }
  RETURN_IF_ERROR(CheckFileName(f.id, "--id"));
  RETURN_IF_ERROR(CheckFileName(f.agency, "--agency"));
  ASSIGN_OR_RETURN(SubjectKey subject, MakeOrLoadSubjectKey(f.public_key, f.s.store.OfficerKeyPath(f.id)));
  json event = {{"kind", "OfficerRegistered"}, {"agency", f.agency},          {"occurred_at", TodayBangkok()},
                {"officer_id", f.id},          {"payload_agency", f.agency},  {"role", f.role},
                {"public_key", ToHex(subject.public_key)}, {"areas", f.areas}};
  ASSIGN_OR_RETURN(json r, Record(f.s, AgencySigner(f), "--agency-key", event, subject));
  r["officer"] = f.id;
  r["agency"] = f.agency;
  return Output{r, Describe(r, fmt::format("officer {} of {} registered", f.id, f.agency))};
}

StatusOr<Output> OfficerRevoke(const OfficerFlags& f) {
  json event = {{"kind", "OfficerKeyRevoked"}, {"agency", f.agency},         {"occurred_at", TodayBangkok()},
                {"officer_id", f.id},          {"payload_agency", f.agency}, {"reason", f.reason}};
  ASSIGN_OR_RETURN(json r, Record(f.s, AgencySigner(f), "--agency-key", event, SubjectKey{}));
  r.erase("public_key");
  r["officer"] = f.id;
  r["agency"] = f.agency;
  std::string text = r.contains("jsonl")
                         ? fmt::format("revocation of {}: written to {}\n", f.id, r["jsonl"].get<std::string>())
                         : fmt::format("officer {} of {} revoked: seq {}; it signs nothing recorded from now on\n",
                                       f.id, f.agency, r["seq"].get<uint64_t>());
  return Output{r, text};
}

// ---------------------------------------------------------------- menu publish

struct MenuFlags {
  SignerFlags s;
  std::string file, publisher = kDefaultMenuPublisher, description;
  uint32_t version = 0;   // 0: the published version + 1
};

StatusOr<Output> MenuPublish(const MenuFlags& f) {
  std::vector<MenuRow> rows;
  if (f.file.empty()) {
    ASSIGN_OR_RETURN(rows, ParseMenuCsv(BuiltinMenuCsv(), "built-in data/menu.csv"));
  } else {
    ASSIGN_OR_RETURN(std::string text, ReadWholeFile(f.file, reason::kBadReference));
    ASSIGN_OR_RETURN(rows, ParseMenuCsv(text, f.file));
  }
  uint32_t version = f.version;
  if (version == 0) {
    // Read-only, so that it works beside a running ledgerd (--jsonl).
    ASSIGN_OR_RETURN(std::unique_ptr<Ledger> ledger, Ledger::OpenReadOnly(f.s.store.data));
    ASSIGN_OR_RETURN(std::optional<Ledger::MenuInfo> current, ledger->PublishedMenu());
    version = current ? current->version + 1 : 1;
  }
  const std::string source = f.file.empty() ? std::string("data/menu.csv (built in)") : f.file;
  const std::string description =
      f.description.empty() ? fmt::format("menu version {} from {}", version, source) : f.description;
  json event = MenuPublishedJson(rows, version, f.publisher, TodayBangkok(), description);
  const std::string signer = f.s.signer_key.empty() ? f.s.store.RootKeyPath() : f.s.signer_key;
  ASSIGN_OR_RETURN(json r, Record(f.s, signer, "--root-key", event, SubjectKey{}));
  r.erase("public_key");
  size_t withdrawn = 0;
  for (const MenuRow& row : rows) withdrawn += row.withdrawn ? 1 : 0;
  r["version"] = version;
  r["items"] = rows.size();
  r["withdrawn"] = withdrawn;
  std::string text = r.contains("jsonl")
                         ? fmt::format("menu version {}: written to {}; send it with `ledger append {} --key {}`\n",
                                       version, f.s.jsonl, f.s.jsonl, signer)
                         : fmt::format("menu version {} published: seq {}{}, {} items ({} withdrawn), leaf {}\n",
                                       version, r["seq"].get<uint64_t>(),
                                       r["duplicate"].get<bool>() ? " (already recorded)" : "", rows.size(), withdrawn,
                                       r["leaf_hash"].get<std::string>());
  return Output{r, text};
}

}  // namespace

void AddRegistryCommands(CLI::App& app, Context& ctx) {
  CLI::App* menu = app.add_subcommand("menu", "the poverty-solution menu: publish a version (signed by the "
                                              "operator's root key)");
  menu->require_subcommand(1);
  {
    auto f = std::make_shared<MenuFlags>();
    CLI::App* cmd = menu->add_subcommand("publish", "publish the menu (MenuPublished): help and plans must then name "
                                                    "its offered items");
    AddSignerFlags(cmd, &f->s, "--root-key", "the operator's root key (default KEYS/root.pem)");
    cmd->add_option("--file", f->file,
                    "the menu, in the format of data/menu.csv (default: the data/menu.csv built in)");
    cmd->add_option("--version", f->version, "the version it publishes (default: the published one + 1)")
        ->check(CLI::PositiveNumber);
    cmd->add_option("--publisher", f->publisher, "the body's agency: who publishes it")->capture_default_str();
    cmd->add_option("--description", f->description, "what changed (default: the version and the file)");
    cmd->callback([&ctx, f] { ctx.run = [f] { return MenuPublish(*f); }; });
  }
  CLI::App* agency = app.add_subcommand("agency", "agencies: register one (signed by the operator's root key)");
  agency->require_subcommand(1);
  {
    auto f = std::make_shared<AgencyFlags>();
    CLI::App* cmd = agency->add_subcommand("add", "register an agency (AgencyRegistered)");
    AddSignerFlags(cmd, &f->s, "--root-key", "the operator's root key (default KEYS/root.pem)");
    cmd->add_option("--code", f->code, "agency code, e.g. PHO-33")->required();
    cmd->add_option("--name-th", f->name_th, "Thai name")->required();
    cmd->add_option("--name-en", f->name_en, "English name")->required();
    cmd->add_option("--dimension", f->dimensions, "dimension it works in (health, living, education, income, "
                                                  "access); repeat for several")
        ->required();
    cmd->add_option("--province", f->province, "2-digit DOPA province code (omit for a national agency)");
    cmd->add_option("--public-key", f->public_key,
                    "the agency's own public key (PEM); default: make one in KEYS/agencies/CODE.pem");
    cmd->callback([&ctx, f] { ctx.run = [f] { return AgencyAdd(*f); }; });
  }
  CLI::App* officer = app.add_subcommand("officer", "officers: register or revoke (signed by their agency's key)");
  officer->require_subcommand(1);
  {
    auto f = std::make_shared<OfficerFlags>();
    CLI::App* cmd = officer->add_subcommand("add", "register an officer (OfficerRegistered)");
    AddSignerFlags(cmd, &f->s, "--agency-key", "the agency's key (default KEYS/agencies/CODE.pem)");
    cmd->add_option("--agency", f->agency, "the officer's agency code")->required();
    cmd->add_option("--id", f->id, "officer id, e.g. PHO-3301-01")->required();
    cmd->add_option("--role", f->role, "mentor, team_lead, data_clerk or supervisor")->capture_default_str();
    cmd->add_option("--area", f->areas, "DOPA code of the officer's caseload; repeat for several");
    cmd->add_option("--public-key", f->public_key,
                    "the officer's own public key (PEM); default: make one in KEYS/officers/ID.pem");
    cmd->callback([&ctx, f] { ctx.run = [f] { return OfficerAdd(*f); }; });
  }
  {
    auto f = std::make_shared<OfficerFlags>();
    CLI::App* cmd = officer->add_subcommand("revoke", "revoke an officer's key (OfficerKeyRevoked)");
    AddSignerFlags(cmd, &f->s, "--agency-key", "the agency's key (default KEYS/agencies/CODE.pem)");
    cmd->add_option("--agency", f->agency, "the officer's agency code")->required();
    cmd->add_option("--id", f->id, "officer id")->required();
    cmd->add_option("--reason", f->reason, "why, e.g. \"lost phone\"")->required();
    cmd->callback([&ctx, f] { ctx.run = [f] { return OfficerRevoke(*f); }; });
  }
}

}  // namespace ledger::admin
