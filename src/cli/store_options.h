// --store and the options that say how to open it, shared by every command
// that reads or writes the index.
#pragma once

#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "core/error.h"
#include "store/execution_store.h"
#include "store/rocksdb/info_log.h"
#include "store/rocksdb/store_conversion.h"

namespace exidx::cli {

struct StoreOptions {
  std::string store = "./exidx-data";  // A directory, or dynamodb://TABLE.
  bool relaxed_durability = false;
  int writes_in_flight = 16;  // DynamoDB: PutItems one batch keeps in flight.
  // --retention-days and --retain as given (empty: not given); see core/retention.h.
  std::string retention_days;
  std::string retain;
  // The embedded store's RocksDB warnings and errors; empty: standard error.
  DiagnosticsSink diagnostics;
  // DynamoDB: follow the table's stream for a change feed (exidx serve's
  // live updates), one GetRecords per shard every stream_poll_ms; its lost
  // records, skipped images and failed calls go to stream_diagnostics. Off:
  // no feed and no thread. The embedded store keeps its feed regardless.
  bool change_feed = false;
  int stream_poll_ms = 1000;
  DiagnosticsSink stream_diagnostics;
  // The embedded store: watches the conversion of a store written by an
  // older build (store_conversion.h); not owned; nullptr: ConversionProgress
  // on standard error.
  StoreConversionObserver* conversion_observer = nullptr;
};

// `with_durability`: the command writes, so --relaxed-durability,
// --writes-in-flight, --retention-days and --retain apply.
void AddStoreOptions(CLI::App& command, StoreOptions& options, bool with_durability);

// What a command does with the store.
enum class StoreAccess {
  // Writes: an embedded store is created when missing, converted when an
  // older build wrote it, and held (RocksDB's LOCK) while open, so one such
  // command at a time per directory.
  kReadWrite,
  // Only reads (query, stats): an embedded store opens read-only
  // (OpenMode::kReadOnly), beside a running `exidx serve` or another
  // reader, and sees the store as of its open. A missing store, or one that
  // needs a conversion, is an error that says which command creates or
  // converts it. DynamoDB is the same either way.
  kReadOnly,
};

// Opens the store named by --store. kInvalidParameter for a store URL of an
// unknown kind; otherwise the store's own errors. With kReadWrite, an
// embedded store on a disk too full to open it for writing opens read-only:
// queries answer, and writes fail kUnavailable saying so
// (RocksDbStore::WriteHealth). Opening (kReadWrite) an embedded store
// written by an older build converts it first, reported to
// options.conversion_observer; with EXIDX_TEST_HOLD_CONVERSION set to a
// path, the conversion then waits until that file exists (tests).
// The store's writes stamp the retention the options give (ExecutionStore's
// header); an invalid one is kInvalidParameter naming its option.
Result<std::unique_ptr<ExecutionStore>> OpenStore(const StoreOptions& options,
                                                  StoreAccess access = StoreAccess::kReadWrite);

// The table of --store dynamodb://TABLE (dynamodb:// alone: the table named
// by EXECUTION_INDEX_TABLE_NAME); kInvalidParameter for any other store, or
// when no table is named.
Result<std::string> DynamoDbTableOf(const StoreOptions& options);

// The retention of --retention-days and --retain (empty when neither is given).
Result<RetentionPolicy> RetentionOf(const StoreOptions& options);

}  // namespace exidx::cli
