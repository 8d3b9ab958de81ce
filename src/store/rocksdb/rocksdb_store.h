// RocksDbStore: the embedded ExecutionStore, one RocksDB database in a
// directory. RocksDB's headers stay in rocksdb_store.cc.
//
// Column families:
//   default  meta: "format_version" (1 byte) and "page_token_secret" (32 bytes)
//   records  executionArn -> record (record_codec.h)
//   index    one entry per filter shape per record (index_keys.h), whose value
//            is the record again (covering), so that a page is one range read
// A record and its index entries always change in one WriteBatch.
//
// Apply commits in groups, as LevelDB's DBImpl::Write does: concurrent callers
// queue, the first in the queue becomes the leader, merges the candidates of
// everyone queued behind it under the version rule, writes one WriteBatch
// (one fsync with Durability::kSync) and hands each caller its own outcomes.
// Only a leader reads and writes records, so merging is never racy.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/query.h"
#include "core/record.h"
#include "store/execution_store.h"

namespace rocksdb {
class Env;
}  // namespace rocksdb

namespace exidx {

// What "durable" means when Apply returns.
enum class Durability {
  kSync,     // The write-ahead log is fsync'd: survives a power failure.
  kRelaxed,  // The write-ahead log is written, not fsync'd: survives a process crash only.
};

struct RocksDbStoreOptions {
  std::string path;  // The database directory.
  Durability durability = Durability::kSync;
  bool create_if_missing = true;
  std::size_t block_cache_bytes = std::size_t{64} << 20;  // Shared by all column families.
  // Not owned; nullptr means RocksDB's default Env. A seam for tests, as
  // LevelDB's Options::env: a wrapping Env can inject I/O faults.
  rocksdb::Env* env = nullptr;
};

class RocksDbStore final : public ExecutionStore {
 public:
  // Opens (or, with create_if_missing, creates) the store at options.path. A
  // new store gets a random page-token secret, kept in the store. Fails with
  // kUnavailable when the directory is locked by another process or an I/O
  // error occurs, kInternal when it is not a store of a known format.
  static Result<std::unique_ptr<RocksDbStore>> Open(const RocksDbStoreOptions& options);

  // REQUIRES: no call on this store is in flight.
  ~RocksDbStore() override;

  RocksDbStore(const RocksDbStore&) = delete;
  RocksDbStore& operator=(const RocksDbStore&) = delete;

  // ExecutionStore. Thread-safe. Apply errors are kUnavailable for I/O
  // failures (retry later) and kInternal for anything else; a failed Apply
  // fails every call committed in the same group, and none of them is visible.
  // After a failed write RocksDB stops writes until it recovers (a full disk,
  // once space is freed) or, after errors such as EIO, until the store is
  // reopened; meanwhile Apply answers kUnavailable and reads go on. A failed
  // fsync is ambiguous as everywhere: its batch may reappear after a reopen,
  // and since candidates merge by version, the caller's retry ends the same.
  Result<std::vector<ApplyOutcome>> Apply(std::span<const ExecutionRecord> candidates) override;
  Result<std::vector<ExecutionRecord>> Scan(const ScanRequest& request) override;
  Result<std::optional<ExecutionRecord>> Get(std::string_view execution_arn) override;
  Result<std::string> PageTokenSecret() override;

  // Flushes the memtables and rewrites every file into the bottom level, as
  // compaction would settle them eventually: for benchmarks that measure disk
  // bytes and for offline maintenance. Thread-safe; slow on a large store.
  Status CompactAll();

 private:
  struct Rep;
  struct Writer;

  explicit RocksDbStore(std::unique_ptr<Rep> rep);

  // Merges and writes the candidates of `group` in one WriteBatch; the result
  // of every writer in it. Called by the leader only, without the queue lock.
  Status CommitGroup(std::span<Writer* const> group);

  std::unique_ptr<Rep> rep_;
};

}  // namespace exidx
