// Free space of the store's file system: the floor below which the ledger
// refuses appends before RocksDB runs out (LedgerOptions::min_free_bytes,
// docs/operations.md "Storage faults").
#pragma once

#include <cstdint>
#include <string>

#include "ledger/status.h"

namespace ledger {

// Bytes an unprivileged process may still write on the file system that
// holds `dir` (statvfs: f_bavail x f_frsize).
StatusOr<uint64_t> FreeBytes(const std::string& dir);

// OK when the file system of `dir` has at least `floor` bytes free (or its
// free space cannot be read: the floor then never blocks appends);
// otherwise UNAVAILABLE / STORE_FULL naming both figures.
Status CheckFreeSpace(const std::string& dir, uint64_t floor);

}  // namespace ledger
