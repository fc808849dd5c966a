// Resource limits of the store that its users plan around.
//
// RocksDB keeps at most kStoreMaxOpenFiles table files open (its table
// cache closes the least recently used beyond it), so a store's file
// descriptors are bounded whatever its size; ledgerd keeps them, and a
// margin, out of its connection cap (ledger/net/server.h kFileReserve).
#pragma once

namespace ledger {

inline constexpr int kStoreMaxOpenFiles = 256;

}  // namespace ledger
