#include "ledger/net/offline_queue.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <kj/exception.h>
#include <sys/file.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "ledger/durable_file.h"
#include "ledger/event.h"
#include "ledger/event_codec.h"
#include "ledger/event_json.h"
#include "ledger/reasons.h"

namespace ledger::net {
namespace {

// An exclusive lock on "<path>.lock" for the life of the object.
class FileLock {
 public:
  static StatusOr<FileLock> Take(const std::string& path) {
    std::error_code ec;
    auto parent = std::filesystem::path(path).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
    int fd = ::open((path + ".lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return UnavailableError(fmt::format("cannot open {}.lock", path), reason::kQueueLock);
    if (::flock(fd, LOCK_EX) != 0) {
      ::close(fd);
      return UnavailableError(fmt::format("cannot lock {}.lock", path), reason::kQueueLock);
    }
    return FileLock(fd);
  }
  FileLock(FileLock&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  ~FileLock() {
    if (fd_ >= 0) ::close(fd_);  // releases the lock
  }

 private:
  explicit FileLock(int fd) : fd_(fd) {}
  int fd_;
};

// The queue files hold signed events not yet sent: the user's, 0600.
constexpr WriteOptions kQueueFile{.mode = 0600, .failure_reason = reason::kQueueWrite};

struct Entry {
  std::string line;     // the queue line, verbatim
  std::string signed_body;
  std::string key_hex;
};

StatusOr<std::vector<Entry>> ReadEntries(const std::string& path) {
  std::vector<Entry> out;
  std::ifstream in(path);
  if (!in) return out;  // no queue yet
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.empty()) continue;
    Entry e;
    e.line = line;
    try {
      auto j = nlohmann::json::parse(line);
      auto bytes = FromBase64(j.at("signed").get<std::string>());
      if (!bytes.ok()) return DataLossError(fmt::format("{}:{}: signed: {}", path, n, bytes.status().message()), reason::kBadQueue);
      e.signed_body = std::move(*bytes);
      e.key_hex = j.value("idempotency_key", "");
    } catch (const nlohmann::json::exception& ex) {
      // A line cut short by a crash during Add: the event was never
      // acknowledged to the user, so it is dropped, unless more follow.
      if (in.peek() == EOF) break;
      return DataLossError(fmt::format("{}:{}: {}", path, n, ex.what()), reason::kBadQueue);
    }
    out.push_back(std::move(e));
  }
  return out;
}

std::string NowIso() {
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
                .count();
  return FormatTimestampNs(ns);
}

bool Retryable(const Status& s) {
  return s.code() == StatusCode::kUnavailable || s.reason() == reason::kPushback || s.reason() == reason::kNotSent;
}

}  // namespace

Status OfflineQueue::Add(const std::vector<std::string>& signed_bodies) {
  std::string text;
  for (const std::string& body : signed_bodies) {
    auto m = MessageBytes::Parse(body, /*framed=*/true);
    if (!m.ok()) return InvalidArgumentError("not a SignedBody message: " + m.status().message(), reason::kBadEvent);
    std::string key;
    try {
      auto k = m->Root<schema::SignedBody>().getBody().getIdempotencyKey();
      key = ToHex(std::span<const uint8_t>(k.begin(), k.size()));
    } catch (const kj::Exception& e) {
      return InvalidArgumentError(std::string("not a SignedBody message: ") + e.getDescription().cStr(), reason::kBadEvent);
    }
    nlohmann::json j = {{"signed", ToBase64(body)}, {"idempotency_key", key}, {"queued_at", NowIso()}};
    text += j.dump() + "\n";
  }
  ASSIGN_OR_RETURN(FileLock lock, FileLock::Take(path_));
  return AppendFileDurably(path_, text, kQueueFile);
}

StatusOr<std::vector<std::string>> OfflineQueue::Pending() const {
  ASSIGN_OR_RETURN(std::vector<Entry> entries, ReadEntries(path_));
  std::vector<std::string> out;
  for (auto& e : entries) out.push_back(std::move(e.signed_body));
  return out;
}

StatusOr<std::vector<SyncResult>> OfflineQueue::Sync(Client& client, size_t batch) {
  ASSIGN_OR_RETURN(FileLock lock, FileLock::Take(path_));
  ASSIGN_OR_RETURN(std::vector<Entry> entries, ReadEntries(path_));
  std::vector<SyncResult> results;
  std::string keep, rejected;
  for (size_t start = 0; start < entries.size(); start += std::max<size_t>(batch, 1)) {
    const size_t end = std::min(entries.size(), start + std::max<size_t>(batch, 1));
    std::vector<std::string> bodies;
    for (size_t i = start; i < end; ++i) bodies.push_back(entries[i].signed_body);
    std::vector<AppendOutcome> outcomes = client.Append(bodies);
    for (size_t i = start; i < end; ++i) {
      SyncResult r{entries[i].key_hex, outcomes[i - start], false};
      if (!r.outcome.ok()) {
        if (Retryable(r.outcome.status())) {
          r.kept = true;
          keep += entries[i].line + "\n";
        } else {
          nlohmann::json j = nlohmann::json::parse(entries[i].line);
          j["error"] = {{"code", StatusCodeName(r.outcome.status().code())},
                        {"reason", r.outcome.status().reason()},
                        {"message", r.outcome.status().message()}};
          rejected += j.dump() + "\n";
        }
      }
      results.push_back(std::move(r));
    }
  }
  if (!rejected.empty()) RETURN_IF_ERROR(AppendFileDurably(path_ + ".rejected", rejected, kQueueFile));
  RETURN_IF_ERROR(WriteFileDurably(path_, keep, kQueueFile));
  return results;
}

}  // namespace ledger::net
