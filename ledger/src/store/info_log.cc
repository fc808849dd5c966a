#include "store/info_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdarg>
#include <cstdio>
#include <ctime>
#include <mutex>

namespace ledger {
namespace {

constexpr size_t kMaxBytes = 16u << 20;

class InfoLog final : public rocksdb::Logger {
 public:
  explicit InfoLog(std::string path) : path_(std::move(path)) { Reopen(); }
  ~InfoLog() override {
    if (fd_ >= 0) ::close(fd_);
  }

  using rocksdb::Logger::Logv;
  void Logv(const char* format, va_list ap) override {
    char line[4096];
    const auto now = std::chrono::system_clock::now();
    const std::time_t secs = std::chrono::system_clock::to_time_t(now);
    const auto micros =
        std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count() % 1000000;
    std::tm tm{};
    ::gmtime_r(&secs, &tm);
    int n = std::snprintf(line, sizeof line, "%04d/%02d/%02d-%02d:%02d:%02d.%06lld ", tm.tm_year + 1900,
                          tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                          static_cast<long long>(micros));
    if (n < 0) return;
    int m = std::vsnprintf(line + n, sizeof line - static_cast<size_t>(n), format, ap);
    if (m < 0) return;
    size_t len = std::min(sizeof line - 1, static_cast<size_t>(n) + static_cast<size_t>(m));
    if (line[len - 1] != '\n') {
      if (len == sizeof line - 1) --len;
      line[len++] = '\n';
    }
    std::lock_guard lock(mu_);
    if (fd_ < 0) return;
    if (size_ + len > kMaxBytes) Rotate();
    if (fd_ < 0) return;
    const ssize_t w = ::write(fd_, line, len);
    if (w > 0) size_ += static_cast<size_t>(w);   // a failed write (ENOSPC) drops the line, nothing more
  }

  bool ok() const { return fd_ >= 0; }

  size_t GetLogFileSize() const override {
    std::lock_guard lock(mu_);
    return size_;
  }

 private:
  void Reopen() {
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    struct stat st {};
    size_ = fd_ >= 0 && ::fstat(fd_, &st) == 0 ? static_cast<size_t>(st.st_size) : 0;
  }
  void Rotate() {
    ::close(fd_);
    ::rename(path_.c_str(), (path_ + ".old").c_str());
    Reopen();
  }

  const std::string path_;
  mutable std::mutex mu_;
  int fd_ = -1;
  size_t size_ = 0;
};

class NullLog final : public rocksdb::Logger {
 public:
  using rocksdb::Logger::Logv;
  void Logv(const char*, va_list) override {}
};

}  // namespace

std::shared_ptr<rocksdb::Logger> OpenInfoLog(const std::string& dir) {
  auto log = std::make_shared<InfoLog>(dir + "/LOG");
  if (!log->ok()) return std::make_shared<NullLog>();
  return log;
}

}  // namespace ledger
