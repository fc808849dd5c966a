// RocksDB's info log (the LOG file in the store directory), written without
// RocksDB's own file writer: in Debian's build that one aborts the process
// (an assertion in WritableFileWriter) on the first line after a write of it
// failed, so a full disk killed ledgerd from RocksDB's background threads.
// This one writes each line with one write(2), drops a line it cannot
// write, and keeps at most two files (LOG and LOG.old) of kMaxBytes each.
#pragma once

#include <rocksdb/env.h>

#include <memory>
#include <string>

namespace ledger {

// The logger for the store in `dir`; one that discards every line when
// the file cannot be opened (a read-only directory).
std::shared_ptr<rocksdb::Logger> OpenInfoLog(const std::string& dir);

}  // namespace ledger
