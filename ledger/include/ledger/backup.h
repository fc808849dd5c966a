// Backing up a store while ledgerd writes to it, and restoring a backup
// (docs/operations.md, "Backup and restore").
//
//   ASSIGN_OR_RETURN(BackupReport r, BackupStore("/var/lib/ledger", "/backups/2024-05-01"));
//   //   /backups/2024-05-01/store/        an openable store (RocksDB checkpoint)
//   //   /backups/2024-05-01/checkpoint    its latest signed checkpoint note, verbatim
//   ASSIGN_OR_RETURN(BackupReport back, RestoreStore("/backups/2024-05-01", "/var/lib/ledger-new"));
//
// How a backup is taken beside a live writer: the writer holds the store's
// RocksDB handle (and its lock), so the backup opens its own read-only view
// of the store (RocksDB OpenForReadOnly, which takes no lock) and makes a
// RocksDB Checkpoint of that view into a temporary directory beside `dest`:
// table files hard-linked (copied across file systems), MANIFEST, OPTIONS
// and write-ahead logs copied, with no flush. A read-only view cannot stop
// the writer from deleting files while they are copied (a compaction
// retires a table file, a flush retires a log): such a copy either fails
// (a file vanished) or may lack a log. So every copy is opened and checked
// with VerifyStore (chain, tree, checkpoints, indexes, registry) before it
// is kept; a copy that fails either way is removed and the backup is taken
// again, up to `attempts` times. What is kept is a consistent state of the
// store: every event of it is covered by the checkpoint recorded beside it
// (a group's events and its checkpoint are one write batch), and it may
// hold more events than the writer had when the backup began, never half a
// group.
//
// Keys are not part of a backup: DIR/keys/ (or wherever the operator keeps
// the server key) is not copied. Keep keys and secrets apart from backups.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "ledger/status.h"
#include "ledger/verify.h"

namespace ledger {

struct BackupOptions {
  // Copies taken before giving up (BACKUP_FAILED with the last error).
  int attempts = 5;
  // How each copy is checked before it is kept (BackupStore) and a backup
  // before it is restored (RestoreStore).
  VerifyOptions verify;
  // Called before each retry with the attempt that failed (1-based) and why.
  std::function<void(int attempt, const Status& why)> on_retry;
};

struct BackupReport {
  uint64_t events = 0;            // events in the copy
  uint64_t checkpoint_size = 0;   // tree size of `checkpoint`
  std::string checkpoint;         // the copy's latest signed checkpoint note
  std::string origin;
  std::string vkey;               // the server's note verifier key
  int attempts = 0;               // copies taken (1 when the first was good)
  uint64_t bytes = 0;             // bytes of the copy's files
  double seconds = 0;
};

// Backs up the store in `dir` into `dest`, which must not exist or be an
// empty directory (NOT_EMPTY), as above. `dir` may be in use by a writer.
// Errors: as Ledger::OpenReadOnly for `dir`; BACKUP_FAILED (UNAVAILABLE)
// when no copy passed after `attempts`; WRITE_FAILED for `dest`.
StatusOr<BackupReport> BackupStore(const std::string& dir, const std::string& dest, const BackupOptions& options = {});

// Restores the backup in `backup` (as BackupStore writes it) into `dir`,
// which must not exist or be an empty directory (NOT_EMPTY). The backup is
// verified first, and its recorded checkpoint must be the store's own
// (NOT_A_BACKUP when `backup` is not one; BACKUP_MISMATCH when the note
// beside the store is not the note the store holds for that size, or the
// store fails verification). Files are copied (not linked) into a
// temporary directory beside `dir`, fsynced, and renamed into place, so
// `dir` appears whole or not at all. Keys are not restored.
StatusOr<BackupReport> RestoreStore(const std::string& backup, const std::string& dir,
                                    const BackupOptions& options = {});

}  // namespace ledger
