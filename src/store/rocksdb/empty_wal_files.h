// Empty write-ahead logs that RocksDB 7.8 leaves behind.
//
// Every open creates a new WAL file (NNNNNN.log). When nothing was written
// before the close, RocksDB 7.8 keeps the empty file as "live" (its minimum
// log number only advances at a flush), so a store that is opened often
// (every `exidx query`) gathered hundreds of empty files. RocksDB fixed this
// in 8.3 (facebook/rocksdb#11409); until Debian ships it, the store removes
// them before it opens. An empty WAL holds no writes, and RocksDB does not
// track WAL files in its MANIFEST here (track_and_verify_wals_in_manifest is
// off), so removing one loses nothing.
#pragma once

#include <cstddef>
#include <string>

#include "core/error.h"

namespace exidx {

// Removes the empty *.log files (write-ahead logs, never the info log LOG) of
// the RocksDB database in `dir`, only while no other process has the database
// open: it takes RocksDB's own lock (an fcntl lock on dir/LOCK) for the
// duration and does nothing when another process holds it. Returns how many
// files it removed. kUnavailable when a file cannot be removed.
// REQUIRES: this process does not have the database open.
Result<std::size_t> RemoveEmptyWalFiles(const std::string& dir);

}  // namespace exidx
