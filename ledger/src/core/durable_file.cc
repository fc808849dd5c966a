#include "ledger/durable_file.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <random>
#include <utility>

namespace ledger {
namespace {

namespace fs = std::filesystem;

constexpr size_t kBufferBytes = 1 << 16;

Status WriteError(const fs::path& path, std::string_view step, int err, const char* reason) {
  return UnavailableError(fmt::format("cannot write {}: {}: {}", path.string(), step, std::strerror(err)), reason);
}

Status ExistsError(const fs::path& path) {
  return AlreadyExistsError(fmt::format("{} exists; not overwriting it", path.string()), reason::kFileExists);
}

fs::path Directory(const fs::path& path) {
  fs::path dir = path.parent_path();
  return dir.empty() ? fs::path(".") : dir;
}

// Writes all of `bytes` to `fd`; 0 or the errno.
int WriteAll(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return 0;
}

// fsyncs the directory holding `path`, so that a new name in it survives a
// crash; 0 or the errno.
int SyncDirectory(const fs::path& path) {
  int fd = ::open(Directory(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return errno;
  int err = ::fsync(fd) == 0 ? 0 : errno;
  ::close(fd);
  return err;
}

// ".<name>.tmp-XXXXXX" beside `path`, with six random letters or digits.
fs::path TempName(const fs::path& path) {
  static constexpr char kChars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  thread_local std::mt19937_64 rng{std::random_device{}() ^ static_cast<uint64_t>(::getpid())};
  std::string name = "." + path.filename().string().substr(0, 200) + ".tmp-";
  for (int i = 0; i < 6; ++i) name += kChars[rng() % (sizeof kChars - 1)];
  return path.parent_path() / name;
}

// Moves `from` to `to` unless `to` exists: 0, EEXIST or another errno.
int RenameNoReplace(const fs::path& from, const fs::path& to) {
  if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) == 0) return 0;
  if (errno != EINVAL && errno != ENOSYS) return errno;
  // A file system without RENAME_NOREPLACE: link() fails if `to` exists.
  if (::link(from.c_str(), to.c_str()) != 0) return errno;
  ::unlink(from.c_str());
  return 0;
}

}  // namespace

StatusOr<DurableFile> DurableFile::Create(const fs::path& path, const WriteOptions& options) {
  if (options.exclusive) {
    struct stat st;
    if (::lstat(path.c_str(), &st) == 0) return ExistsError(path);
  }
  for (int attempt = 0;; ++attempt) {
    fs::path tmp = TempName(path);
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, options.mode);
    if (fd < 0) {
      if (errno == EEXIST && attempt < 100) continue;
      return WriteError(path, "creating a temporary file in " + Directory(path).string(), errno,
                        options.failure_reason);
    }
    // The umask may have narrowed the mode; it can never have widened it.
    int err = ::fchmod(fd, options.mode) == 0 ? 0 : errno;
    DurableFile file(path, std::move(tmp), fd, options);
    if (err != 0) return file.Fail("chmod", err);
    return file;
  }
}

DurableFile::DurableFile(DurableFile&& other) noexcept
    : path_(std::move(other.path_)),
      tmp_(std::move(other.tmp_)),
      fd_(std::exchange(other.fd_, -1)),
      options_(other.options_),
      buffer_(std::move(other.buffer_)),
      error_(std::move(other.error_)) {
  other.tmp_.clear();
}

DurableFile& DurableFile::operator=(DurableFile&& other) noexcept {
  if (this != &other) {
    Discard();
    path_ = std::move(other.path_);
    tmp_ = std::move(other.tmp_);
    other.tmp_.clear();
    fd_ = std::exchange(other.fd_, -1);
    options_ = other.options_;
    buffer_ = std::move(other.buffer_);
    error_ = std::move(other.error_);
  }
  return *this;
}

DurableFile::~DurableFile() { Discard(); }

void DurableFile::Discard() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  if (!tmp_.empty()) ::unlink(tmp_.c_str());
  tmp_.clear();
}

Status DurableFile::Fail(std::string_view step, int err) {
  Discard();
  error_ = WriteError(path_, step, err, options_.failure_reason);
  return error_;
}

Status DurableFile::Append(std::string_view bytes) {
  if (!error_.ok()) return error_;
  if (tmp_.empty()) return FailedPreconditionError(fmt::format("{}: appended to after Commit", path_.string()));
  buffer_.append(bytes);
  return buffer_.size() >= kBufferBytes ? Flush() : OkStatus();
}

Status DurableFile::Flush() {
  if (int err = WriteAll(fd_, buffer_); err != 0) return Fail("write", err);
  buffer_.clear();
  return OkStatus();
}

Status DurableFile::Commit() {
  if (!error_.ok()) return error_;
  if (tmp_.empty()) return FailedPreconditionError(fmt::format("{}: committed twice", path_.string()));
  RETURN_IF_ERROR(Flush());
  if (::fsync(fd_) != 0) return Fail("fsync", errno);
  int fd = std::exchange(fd_, -1);
  if (::close(fd) != 0) return Fail("close", errno);
  if (options_.exclusive) {
    if (int err = RenameNoReplace(tmp_, path_); err != 0) {
      Discard();
      error_ = err == EEXIST ? ExistsError(path_) : WriteError(path_, "rename", err, options_.failure_reason);
      return error_;
    }
  } else if (::rename(tmp_.c_str(), path_.c_str()) != 0) {
    return Fail("rename", errno);
  }
  tmp_.clear();  // it is `path` now
  if (int err = SyncDirectory(path_); err != 0) {
    error_ = WriteError(path_, "fsync of its directory", err, options_.failure_reason);
    return error_;
  }
  return OkStatus();
}

Status WriteFileDurably(const fs::path& path, std::string_view bytes, const WriteOptions& options) {
  ASSIGN_OR_RETURN(DurableFile file, DurableFile::Create(path, options));
  RETURN_IF_ERROR(file.Append(bytes));
  return file.Commit();
}

Status AppendFileDurably(const fs::path& path, std::string_view bytes, const WriteOptions& options) {
  bool created = false;
  int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT) {
    fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC, options.mode);
    created = fd >= 0;
    if (fd < 0 && errno == EEXIST) fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  }
  if (fd < 0) return WriteError(path, "open", errno, options.failure_reason);
  int err = 0;
  std::string_view step;
  if (created && ::fchmod(fd, options.mode) != 0) {
    err = errno, step = "chmod";
  } else if ((err = WriteAll(fd, bytes)) != 0) {
    step = "write";
  } else if (::fsync(fd) != 0) {
    err = errno, step = "fsync";
  }
  if (::close(fd) != 0 && err == 0) err = errno, step = "close";
  if (err == 0 && created && (err = SyncDirectory(path)) != 0) step = "fsync of its directory";
  if (err != 0) return WriteError(path, step, err, options.failure_reason);
  return OkStatus();
}

}  // namespace ledger
