// ledger-admin backup / restore (ledger/backup.h; docs/operations.md).
//
//   ledger-admin backup --data /var/lib/ledger /backups/ledger-2024-05-01    # while ledgerd runs
//   ledger-admin restore /backups/ledger-2024-05-01 --data /var/lib/ledger-restored
//
// A backup is DEST/store/ (an openable, verified copy of the store),
// DEST/checkpoint (its latest signed checkpoint note) and DEST/backup.json
// (what was copied, when, from where). Keys are not in it.
#include <fmt/format.h>

#include <chrono>

#include "admin/admin.h"
#include "ledger/backup.h"
#include "ledger/calendar.h"
#include "ledger/durable_file.h"

namespace ledger::admin {
namespace {

using json = nlohmann::json;

struct BackupFlags {
  std::string data;
  std::string dest;
  int attempts = BackupOptions{}.attempts;
  bool skip_projections = false;
};

BackupOptions Options(const BackupFlags& f) {
  BackupOptions o;
  o.attempts = f.attempts;
  o.verify.check_projections = !f.skip_projections;
  o.on_retry = [](int attempt, const Status& why) {
    fmt::print(stderr, "ledger-admin: backup attempt {} was not usable ({}); taking it again\n", attempt,
               why.message());
  };
  return o;
}

json ReportJson(const BackupReport& r) {
  return {{"events", r.events},   {"checkpoint_size", r.checkpoint_size}, {"checkpoint", r.checkpoint},
          {"origin", r.origin},   {"vkey", r.vkey},                       {"attempts", r.attempts},
          {"bytes", r.bytes},     {"seconds", r.seconds}};
}

StatusOr<Output> Backup(const BackupFlags& f) {
  ASSIGN_OR_RETURN(BackupReport r, BackupStore(f.data, f.dest, Options(f)));
  json j = ReportJson(r);
  j["source"] = f.data;
  j["backup"] = f.dest;
  j["created_at"] = FormatTimestampNs(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                          std::chrono::system_clock::now().time_since_epoch())
                                          .count());
  RETURN_IF_ERROR(WriteFileDurably(f.dest + "/backup.json", j.dump(2) + "\n"));
  Output out;
  out.json = j;
  out.text = fmt::format(
      "backup of {} in {}: {} events, verified (chain, tree, checkpoints, indexes{}), {:.1f} MiB, {:.2f} s, "
      "{} attempt{}\ncheckpoint recorded in {}/checkpoint:\n{}",
      f.data, f.dest, r.events, f.skip_projections ? "" : ", projections", r.bytes / 1048576.0, r.seconds, r.attempts,
      r.attempts == 1 ? "" : "s", f.dest, r.checkpoint);
  return out;
}

StatusOr<Output> Restore(const BackupFlags& f) {
  ASSIGN_OR_RETURN(BackupReport r, RestoreStore(f.dest, f.data, Options(f)));
  json j = ReportJson(r);
  j["backup"] = f.dest;
  j["data"] = f.data;
  Output out;
  out.json = j;
  out.text = fmt::format(
      "restored {} into {}: {} events, checkpoint at size {} (the one recorded with the backup)\n"
      "keys are not part of a backup: put the server key in {}/keys/server.pem (or give ledgerd --server-key)\n",
      f.dest, f.data, r.events, r.checkpoint_size, f.data);
  return out;
}

}  // namespace

void AddBackupCommands(CLI::App& app, Context& ctx) {
  {
    auto f = std::make_shared<BackupFlags>();
    CLI::App* cmd = app.add_subcommand("backup", "copy the store (while ledgerd runs), verify the copy, record its "
                                                 "latest signed checkpoint beside it");
    cmd->add_option("--data", f->data, "store directory (may be served by ledgerd)")->required();
    cmd->add_option("DEST", f->dest, "backup directory to create (must not exist or be empty)")->required();
    cmd->add_option("--attempts", f->attempts, "copies to try before giving up (a live writer may retire files "
                                               "while they are copied)")
        ->capture_default_str()
        ->check(CLI::Range(1, 100));
    cmd->add_flag("--skip-projections", f->skip_projections,
                  "do not rebuild the projections when verifying the copy (faster)");
    cmd->callback([&ctx, f] { ctx.run = [f] { return Backup(*f); }; });
  }
  {
    auto f = std::make_shared<BackupFlags>();
    CLI::App* cmd = app.add_subcommand("restore", "verify a backup and copy its store into a new directory");
    cmd->add_option("BACKUP", f->dest, "backup directory (from ledger-admin backup)")->required();
    cmd->add_option("--data", f->data, "store directory to create (must not exist or be empty)")->required();
    cmd->add_flag("--skip-projections", f->skip_projections, "do not rebuild the projections when verifying");
    cmd->callback([&ctx, f] { ctx.run = [f] { return Restore(*f); }; });
  }
}

}  // namespace ledger::admin
