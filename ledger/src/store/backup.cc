// Backups of a live store and their restore (ledger/backup.h).
#include "ledger/backup.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <rocksdb/utilities/checkpoint.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>

#include "ledger/durable_file.h"
#include "ledger/ledger.h"
#include "ledger/note.h"
#include "ledger/reasons.h"
#include "store/store.h"

namespace ledger {
namespace {

namespace fs = std::filesystem;

constexpr char kStoreDir[] = "store";
constexpr char kCheckpointFile[] = "checkpoint";

Status IoError(const std::string& what, int err) {
  return UnavailableError(fmt::format("{}: {}", what, std::strerror(err)), reason::kWriteFailed);
}

// `path` must not exist or be an empty directory; it is created.
Status PrepareEmptyDir(const fs::path& path) {
  std::error_code ec;
  if (fs::exists(path, ec)) {
    if (!fs::is_directory(path, ec) || !fs::is_empty(path, ec)) {
      return FailedPreconditionError(path.string() + " exists and is not an empty directory", reason::kNotEmpty);
    }
    return OkStatus();
  }
  fs::create_directories(path, ec);
  if (ec) return UnavailableError(fmt::format("creating {}: {}", path.string(), ec.message()), reason::kWriteFailed);
  return OkStatus();
}

Status FsyncPath(const fs::path& path, bool directory) {
  int fd = ::open(path.c_str(), (directory ? O_RDONLY | O_DIRECTORY : O_RDONLY) | O_CLOEXEC);
  if (fd < 0) return IoError("opening " + path.string(), errno);
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) return IoError("fsync " + path.string(), err);
  return OkStatus();
}

// fsyncs every file of a flat directory (a RocksDB store) and the directory.
Status FsyncDir(const fs::path& dir, uint64_t* bytes) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (!entry.is_regular_file()) continue;
    RETURN_IF_ERROR(FsyncPath(entry.path(), false));
    if (bytes) *bytes += entry.file_size(ec);
  }
  if (ec) return UnavailableError(fmt::format("listing {}: {}", dir.string(), ec.message()), reason::kWriteFailed);
  return FsyncPath(dir, true);
}

Status CopyFileSynced(const fs::path& from, const fs::path& to) {
  int in = ::open(from.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) return IoError("opening " + from.string(), errno);
  int out = ::open(to.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (out < 0) {
    int err = errno;
    ::close(in);
    return IoError("creating " + to.string(), err);
  }
  Status s;
  char buf[1 << 16];
  while (s.ok()) {
    ssize_t n = ::read(in, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      s = IoError("reading " + from.string(), errno);
      break;
    }
    if (n == 0) break;
    for (ssize_t done = 0; done < n;) {
      ssize_t w = ::write(out, buf + done, static_cast<size_t>(n - done));
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) {
        s = IoError("writing " + to.string(), errno);
        break;
      }
      done += w;
    }
  }
  if (s.ok() && ::fsync(out) != 0) s = IoError("fsync " + to.string(), errno);
  ::close(in);
  if (::close(out) != 0 && s.ok()) s = IoError("closing " + to.string(), errno);
  return s;
}

std::string TempName(const fs::path& beside, const std::string& what) {
  std::random_device rd;
  return (beside.parent_path() / fmt::format(".{}.{}-{:08x}", beside.filename().string(), what, rd())).string();
}

// What a verified copy holds: its latest checkpoint and size.
StatusOr<BackupReport> Describe(const std::string& store_dir, const VerifyOptions& verify) {
  ASSIGN_OR_RETURN(VerifyReport v, VerifyStore(store_dir, verify));
  if (!v.ok) {
    std::string first = v.problems.empty() ? "" : v.problems[0].kind + ": " + v.problems[0].message;
    return DataLossError(fmt::format("{} does not verify ({} problems; first: {})", store_dir, v.problems_total, first),
                         reason::kBackupMismatch);
  }
  ASSIGN_OR_RETURN(std::unique_ptr<Ledger> copy, Ledger::OpenReadOnly(store_dir));
  BackupReport r;
  r.events = copy->Size();
  ASSIGN_OR_RETURN(r.checkpoint, copy->LatestCheckpoint());
  auto text = SignedNoteText(r.checkpoint);
  if (!text) return DataLossError(store_dir + ": its latest checkpoint is not a signed note", reason::kBadCheckpoint);
  ASSIGN_OR_RETURN(Checkpoint cp, ParseCheckpoint(*text));
  r.checkpoint_size = cp.size;
  r.origin = copy->info().origin;
  r.vkey = copy->info().VerifierKey();
  return r;
}

// One copy of `dir` into `tmp` through a read-only view.
Status CopyOnce(const std::string& dir, const fs::path& tmp) {
  ASSIGN_OR_RETURN(std::unique_ptr<Store> view, Store::Open(dir, Store::Mode::kReadOnly, 8 << 20));
  rocksdb::Checkpoint* raw = nullptr;
  RETURN_IF_ERROR(FromRocks(rocksdb::Checkpoint::Create(view->db(), &raw), "checkpoint of " + dir));
  std::unique_ptr<rocksdb::Checkpoint> checkpoint(raw);
  // No flush (a read-only view has nothing to flush into): the logs are copied.
  return FromRocks(checkpoint->CreateCheckpoint(tmp.string(), std::numeric_limits<uint64_t>::max()),
                   "checkpoint of " + dir + " into " + tmp.string());
}

}  // namespace

StatusOr<BackupReport> BackupStore(const std::string& dir, const std::string& dest, const BackupOptions& options) {
  const auto t0 = std::chrono::steady_clock::now();
  std::error_code ec;
  const fs::path out = fs::absolute(dest, ec);
  // Fail on what no retry mends before making anything.
  { ASSIGN_OR_RETURN(std::unique_ptr<Ledger> probe, Ledger::OpenReadOnly(dir)); }
  RETURN_IF_ERROR(PrepareEmptyDir(out));
  const fs::path store_dir = out / kStoreDir;
  Status last;
  const int attempts = std::max(1, options.attempts);
  for (int attempt = 1; attempt <= attempts; ++attempt) {
    const fs::path tmp = TempName(store_dir, "tmp");
    fs::remove_all(tmp, ec);
    Status s = CopyOnce(dir, tmp);
    StatusOr<BackupReport> described = s.ok() ? Describe(tmp.string(), options.verify) : StatusOr<BackupReport>(s);
    if (described.ok()) {
      BackupReport r = std::move(*described);
      r.attempts = attempt;
      RETURN_IF_ERROR(FsyncDir(tmp, &r.bytes));
      fs::rename(tmp, store_dir, ec);
      if (ec) return UnavailableError(fmt::format("renaming {}: {}", tmp.string(), ec.message()), reason::kWriteFailed);
      // Also fsyncs `out`, which makes the rename above durable.
      RETURN_IF_ERROR(WriteFileDurably(out / kCheckpointFile, r.checkpoint));
      r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      return r;
    }
    last = described.status();
    fs::remove_all(tmp, ec);
    if (attempt < attempts && options.on_retry) options.on_retry(attempt, last);
  }
  return UnavailableError(fmt::format("backup of {}: no copy passed in {} attempts; last: {}", dir, attempts,
                                      last.message()),
                          reason::kBackupFailed);
}

StatusOr<BackupReport> RestoreStore(const std::string& backup, const std::string& dir, const BackupOptions& options) {
  const auto t0 = std::chrono::steady_clock::now();
  std::error_code ec;
  const fs::path from = fs::path(backup) / kStoreDir;
  const fs::path note_path = fs::path(backup) / kCheckpointFile;
  if (!fs::is_directory(from, ec) || !fs::is_regular_file(note_path, ec)) {
    return FailedPreconditionError(
        fmt::format("{} is not a backup (ledger-admin backup writes {}/store/ and {}/checkpoint)", backup, backup,
                    backup),
        reason::kNotABackup);
  }
  std::error_code exists_ec;
  if (fs::exists(dir, exists_ec) && (!fs::is_directory(dir, ec) || !fs::is_empty(dir, ec))) {
    return FailedPreconditionError(dir + " exists and is not an empty directory", reason::kNotEmpty);
  }
  ASSIGN_OR_RETURN(BackupReport r, Describe(from.string(), options.verify));
  // The note recorded beside the store must be one the store itself holds.
  {
    std::string recorded;
    {
      std::ifstream in(note_path, std::ios::binary);
      recorded.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    auto text = SignedNoteText(recorded);
    StatusOr<Checkpoint> cp = text ? ParseCheckpoint(*text) : StatusOr<Checkpoint>(InvalidArgumentError("unsigned"));
    ASSIGN_OR_RETURN(std::unique_ptr<Ledger> copy, Ledger::OpenReadOnly(from.string()));
    StatusOr<std::string> held = cp.ok() ? copy->CheckpointAt(cp->size) : StatusOr<std::string>(cp.status());
    if (!held.ok() || *held != recorded) {
      return DataLossError(fmt::format("{}: the checkpoint recorded beside the store is not the store's own ({})",
                                       backup, held.ok() ? "different note" : held.status().message()),
                           reason::kBackupMismatch);
    }
  }
  const fs::path target = fs::absolute(dir, ec);
  fs::create_directories(target.parent_path(), ec);
  const fs::path tmp = TempName(target, "restore");
  fs::create_directories(tmp, ec);
  if (ec) return UnavailableError(fmt::format("creating {}: {}", tmp.string(), ec.message()), reason::kWriteFailed);
  Status copied;
  for (const auto& entry : fs::directory_iterator(from, ec)) {
    if (!entry.is_regular_file()) continue;
    copied = CopyFileSynced(entry.path(), tmp / entry.path().filename());
    if (!copied.ok()) break;
    r.bytes += entry.file_size(ec);
  }
  if (copied.ok()) copied = FsyncPath(tmp, true);
  if (copied.ok() && fs::exists(target, exists_ec)) {
    fs::remove(target, ec);   // empty, checked above
  }
  if (copied.ok()) {
    fs::rename(tmp, target, ec);
    if (ec) copied = UnavailableError(fmt::format("renaming {}: {}", tmp.string(), ec.message()), reason::kWriteFailed);
  }
  if (!copied.ok()) {
    fs::remove_all(tmp, ec);
    return copied;
  }
  RETURN_IF_ERROR(FsyncPath(target.parent_path(), true));
  ASSIGN_OR_RETURN(std::unique_ptr<Ledger> restored, Ledger::OpenReadOnly(target.string()));
  if (restored->Size() != r.events) {
    return DataLossError(fmt::format("{}: restored {} events, the backup has {}", dir, restored->Size(), r.events),
                         reason::kBackupMismatch);
  }
  r.attempts = 1;
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

}  // namespace ledger
