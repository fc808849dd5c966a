#include "store/free_space.h"

#include <fmt/format.h>
#include <sys/statvfs.h>

#include <cerrno>
#include <cstring>

#include "ledger/reasons.h"

namespace ledger {

StatusOr<uint64_t> FreeBytes(const std::string& dir) {
  struct statvfs st {};
  if (::statvfs(dir.c_str(), &st) != 0) {
    return UnavailableError(fmt::format("statvfs {}: {}", dir, std::strerror(errno)), reason::kStoreIo);
  }
  return static_cast<uint64_t>(st.f_bavail) * static_cast<uint64_t>(st.f_frsize);
}

Status CheckFreeSpace(const std::string& dir, uint64_t floor) {
  if (floor == 0) return OkStatus();
  auto free = FreeBytes(dir);
  if (!free.ok() || *free >= floor) return OkStatus();
  constexpr double kMiB = 1024.0 * 1024.0;
  return UnavailableError(
      fmt::format("the store's file system ({}) has {:.1f} MiB free, below the free-space floor of {:.1f} MiB; "
                  "appends resume by themselves once space is freed",
                  dir, static_cast<double>(*free) / kMiB, static_cast<double>(floor) / kMiB),
      reason::kStoreFull);
}

}  // namespace ledger
