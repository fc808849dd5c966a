// Writing files so that a crash or a failure leaves the old file or the new
// one, never a mix, and no reader ever sees one half-written. The one way
// the ledger, its server, client and tools write a whole file (keys,
// certificates, trust state, charts, reports, seeds).
//
//   RETURN_IF_ERROR(WriteFileDurably(path, pem, {.mode = 0600}));            // a secret, replaced
//   RETURN_IF_ERROR(WriteFileDurably(path, pem, {.mode = 0600, .exclusive = true}));  // FILE_EXISTS if there
//   RETURN_IF_ERROR(WriteFileDurably(path, svg));                              // 0644
//
//   ASSIGN_OR_RETURN(DurableFile out, DurableFile::Create(path));   // a large file, as it is produced
//   RETURN_IF_ERROR(out.Append(line));  ...
//   RETURN_IF_ERROR(out.Commit());      // nothing appears at `path` unless this succeeds
//
// How: a temporary file ".<name>.tmp-XXXXXX" in the target's directory,
// created O_CREAT|O_EXCL with the final mode (set exactly, whatever the
// umask; never wider at any moment), written in full, fsynced, then renamed
// over `path` (exclusive: renamed without replacing, so an existing file is
// never touched and the check has no race), and the directory fsynced. A
// replaced file takes the new mode: a key rewritten over an old 0644 file
// is 0600. Any failure removes the temporary file.
//
// Errors: UNAVAILABLE with `failure_reason` (default WRITE_FAILED) naming the
// path, the step and strerror; ALREADY_EXISTS FILE_EXISTS when `exclusive`
// and `path` exists. The directory must exist.
//
// Appending journals (the client's offline queue) append in place instead:
// AppendFileDurably writes all the bytes with O_APPEND and fsyncs them (and
// the directory, when it created the file).
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <string_view>

#include "ledger/reasons.h"
#include "ledger/status.h"

namespace ledger {

struct WriteOptions {
  mode_t mode = 0644;            // 0600 for secrets (private keys, citizen-ID secrets, queues)
  bool exclusive = false;        // refuse (FILE_EXISTS) instead of replacing an existing file
  const char* failure_reason = reason::kWriteFailed;   // the reason of UNAVAILABLE errors
};

// Writes `bytes` as the whole of `path`, durably and atomically (above).
Status WriteFileDurably(const std::filesystem::path& path, std::string_view bytes, const WriteOptions& options = {});

// Appends `bytes` to `path` (created with options.mode when missing) and
// fsyncs it. Not atomic: a crash may leave a prefix of `bytes` at the end.
// options.exclusive is ignored.
Status AppendFileDurably(const std::filesystem::path& path, std::string_view bytes, const WriteOptions& options = {});

// A whole file written in pieces: the temporary file of WriteFileDurably,
// which Commit() puts in place. Destroyed without a successful Commit(), it
// removes the temporary file and `path` is left as it was. Appends are
// buffered; an error of any step is returned by that call and by Commit().
class DurableFile {
 public:
  // Creates the temporary file. With options.exclusive, fails early
  // (FILE_EXISTS) when `path` exists already; Commit() checks again.
  static StatusOr<DurableFile> Create(const std::filesystem::path& path, const WriteOptions& options = {});
  DurableFile(DurableFile&& other) noexcept;
  DurableFile& operator=(DurableFile&& other) noexcept;
  DurableFile(const DurableFile&) = delete;
  DurableFile& operator=(const DurableFile&) = delete;
  ~DurableFile();

  Status Append(std::string_view bytes);
  // Writes what is buffered, fsyncs, renames into place, fsyncs the directory.
  Status Commit();

  const std::filesystem::path& path() const { return path_; }

 private:
  DurableFile(std::filesystem::path path, std::filesystem::path tmp, int fd, WriteOptions options)
      : path_(std::move(path)), tmp_(std::move(tmp)), fd_(fd), options_(options) {}
  Status Flush();
  Status Fail(std::string_view step, int err);
  void Discard();

  std::filesystem::path path_;
  std::filesystem::path tmp_;
  int fd_ = -1;
  WriteOptions options_;
  std::string buffer_;
  Status error_;
};

}  // namespace ledger
