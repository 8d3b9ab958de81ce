// RocksDB's own diagnostics (its "info log"), kept out of the store's
// directory and away from the disk.
//
// RocksDB writes its info log to a file named LOG in the store's directory.
// When the disk fills, Debian's librocksdb (7.8, built with assertions)
// aborts the process on the first log line written after a failed one, at
// open as well as while running: a full disk became a crash instead of a
// 503. This logger writes nothing to disk: warnings and errors go to a sink
// (the process's own log), lower levels are dropped.
#pragma once

#include <functional>
#include <memory>
#include <string_view>

namespace rocksdb {
class Logger;
}  // namespace rocksdb

namespace exidx {

// Receives one line of RocksDB's diagnostics ("[WARN] ..." or "[ERROR] ...").
// May be called from any of RocksDB's threads, concurrently.
using DiagnosticsSink = std::function<void(std::string_view line)>;

// A logger for rocksdb::DBOptions::info_log that passes lines at warning
// level and above to `sink` (to standard error when `sink` is empty).
std::shared_ptr<rocksdb::Logger> NewDiagnosticsLogger(DiagnosticsSink sink);

}  // namespace exidx
