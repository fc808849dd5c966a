// ledger-admin status: what an operator checks first. Read-only (safe beside
// a running ledgerd): tree size, the latest signed checkpoint, disk use, and
// the keys in use (the server's checkpoint key, the operator's root key,
// every agency's and officer's registered key).
#include <fmt/format.h>

#include <filesystem>

#include "admin/admin.h"
#include "ledger/bytes.h"
#include "ledger/note.h"

namespace ledger::admin {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

// Bytes of the files under `dir`, without those under `skip` (the keys).
uint64_t DiskUse(const fs::path& dir, const fs::path& skip) {
  uint64_t total = 0;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) break;
    if (fs::equivalent(it->path(), skip, ec)) {
      it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file(ec)) total += it->file_size(ec);
  }
  return total;
}

StatusOr<Output> Status_(const StoreFlags& f) {
  StatusOr<std::unique_ptr<Ledger>> opened = Ledger::OpenReadOnly(f.data);
  if (!opened.ok()) {
    return Status(opened.status().code(), "--data " + f.data + ": " + opened.status().message(),
                  opened.status().reason());
  }
  const Ledger& l = **opened;
  const StoreInfo& info = l.info();
  ASSIGN_OR_RETURN(std::string note, l.LatestCheckpoint());
  uint64_t checkpoint_size = 0;
  if (auto text = SignedNoteText(note)) {
    if (auto cp = ParseCheckpoint(*text); cp.ok()) checkpoint_size = cp->size;
  }
  const uint64_t bytes = DiskUse(f.data, f.KeysDir());

  json agencies = json::array(), officers = json::array();
  size_t active = 0, revoked = 0;
  std::string agency_lines, officer_lines;
  for (const RegisteredKey& k : l.RegisteredKeys()) {
    json j = {{"id", k.id}, {"public_key", ToHex(k.public_key)}, {"registered_seq", k.registered_seq}};
    if (!k.officer) {
      agencies.push_back(j);
      agency_lines += fmt::format("  agency  {:<16} {}  (seq {})\n", k.id, ToHex(k.public_key), k.registered_seq);
      continue;
    }
    j["agency"] = k.agency;
    j["revoked"] = k.revoked;
    if (k.revoked) j["revoked_seq"] = k.revoked_seq;
    officers.push_back(j);
    (k.revoked ? revoked : active)++;
    officer_lines += fmt::format("  officer {:<16} {}  {} (seq {}{})\n", k.id, ToHex(k.public_key), k.agency,
                                 k.registered_seq, k.revoked ? fmt::format(", REVOKED at seq {}", k.revoked_seq) : "");
  }

  ASSIGN_OR_RETURN(std::optional<Ledger::MenuInfo> menu, l.PublishedMenu());
  json menu_json = nullptr;
  std::string menu_line = "menu: none published (help is not checked against a menu)\n";
  if (menu) {
    menu_json = {{"version", menu->version}, {"seq", menu->seq}, {"items", menu->items},
                 {"withdrawn", menu->withdrawn}};
    menu_line = fmt::format("menu: version {} (seq {}), {} items, {} withdrawn\n", menu->version, menu->seq,
                            menu->items, menu->withdrawn);
  }

  Output out;
  out.json = {{"data", f.data},
              {"menu", menu_json},
              {"origin", info.origin},
              {"format_version", info.format_version},
              {"tree_size", l.Size()},
              {"checkpoint_size", checkpoint_size},
              {"checkpoint", note},
              {"bytes_on_disk", bytes},
              {"vkey", info.VerifierKey()},
              {"root_public_key", ToHex(info.root_public_key)},
              {"insecure_deterministic_keys", info.insecure_deterministic_keys},
              {"agencies", agencies},
              {"officers", officers},
              {"officers_active", active},
              {"officers_revoked", revoked}};
  out.text = fmt::format(
      "store {} (origin {}, format version {})\n"
      "tree size {}, last checkpoint at size {}; {:.1f} MiB on disk (keys not counted)\n"
      "{}"
      "keys in use:\n"
      "  server  (checkpoints)    {}\n"
      "  root    (agencies, menu) {}\n"
      "{}{}"
      "{} agencies, {} officers active, {} revoked\n"
      "{}"
      "last checkpoint:\n{}",
      f.data, info.origin, info.format_version, l.Size(), checkpoint_size, bytes / 1048576.0,
      info.insecure_deterministic_keys ? "WARNING: keys derived from a seed (insecure; tests and demos only)\n" : "",
      info.VerifierKey(), ToHex(info.root_public_key), agency_lines, officer_lines, agencies.size(), active, revoked,
      menu_line, note);
  return out;
}

}  // namespace

void AddStatusCommand(CLI::App& app, Context& ctx) {
  auto f = std::make_shared<StoreFlags>();
  CLI::App* cmd = app.add_subcommand("status", "tree size, last checkpoint, disk use and keys in use (read-only)");
  AddStoreFlags(cmd, f.get(), "store directory (may be served by ledgerd)");
  cmd->callback([&ctx, f] { ctx.run = [f] { return Status_(*f); }; });
}

}  // namespace ledger::admin
