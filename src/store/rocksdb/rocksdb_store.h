// RocksDbStore: the embedded ExecutionStore, one RocksDB database in a
// directory. RocksDB's headers stay out of this header.
//
// Column families (each derived family's header states its format):
//   default  the meta data (store_meta.h): the page-token secret, the
//            layout version of each derived family, the store's format
//            version among them, the checkpoints and the shared tag
//            cache's entries (tag_cache_codec.h)
//   records  executionArn -> record (record_codec.h)
//   index    every filter shape of a query as one range (index_family.h)
//   changes  the change feed (change_feed_family.h)
//   agents   each agent's count of records (agent_counts_family.h)
//   stats    the hourly cells of ReadHourlyStats (hourly_stats_family.h)
//   expiry   the records that have a ttl, by ttl (expiry_family.h)
// A record, its index entries, its change, its agent's count, its hourly
// cell and its expiry entry always change in one WriteBatch. A store written by an older build
// gets the families it lacks, or has in an older layout, at its first open,
// from one scan of the records (store_meta.h).
//
// Apply commits in groups, as LevelDB's DBImpl::Write does: concurrent callers
// queue, the first in the queue becomes the leader, merges the candidates of
// everyone queued behind it under the version rule (group_merge.h), writes
// the records and each derived family's share (derived_family.h) in one
// WriteBatch (one fsync with Durability::kSync) and hands each caller its own
// outcomes. Only a leader reads and writes records, so merging is never racy.
// DeleteExpired queues the same way and, once it leads, commits a group of
// its own: the expired records and every family's share of them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/error.h"
#include "core/query.h"
#include "core/record.h"
#include "core/retention.h"
#include "store/execution_store.h"
#include "store/rocksdb/info_log.h"
#include "store/rocksdb/store_conversion.h"

namespace rocksdb {
class Env;
}  // namespace rocksdb

namespace exidx {

// What "durable" means when Apply returns.
enum class Durability {
  kSync,     // The write-ahead log is fsync'd: survives a power failure.
  kRelaxed,  // The write-ahead log is written, not fsync'd: survives a process crash only.
};

// How Open opens the store.
enum class OpenMode {
  // Takes RocksDB's LOCK (one such open of a directory at a time), creates a
  // missing store (create_if_missing) and converts an older layout.
  kReadWrite,
  // DB::OpenForReadOnly: takes no LOCK and writes nothing, so it works beside
  // a process that has the store open for writing (`exidx serve`). It sees
  // the store as of its open: the writes acknowledged before it (replayed
  // from the write-ahead log), none made after. A missing store is
  // kInternal naming how to create one; a store that needs a layout
  // conversion (store_meta.h) is kInternal naming how to convert it; the
  // writes (Apply, DeleteExpired, checkpoints, SwapTagEntry) and WriteHealth
  // answer kUnavailable. create_if_missing and read_only_when_full do not
  // apply.
  kReadOnly,
};

struct RocksDbStoreOptions {
  std::string path;  // The database directory.
  Durability durability = Durability::kSync;
  OpenMode open_mode = OpenMode::kReadWrite;
  bool create_if_missing = true;
  std::size_t block_cache_bytes = std::size_t{64} << 20;  // Shared by all column families.
  // Not owned; nullptr means RocksDB's default Env. A seam for tests, as
  // LevelDB's Options::env: a wrapping Env can inject I/O faults.
  rocksdb::Env* env = nullptr;
  // How many of the newest changes the change feed keeps at least (it keeps
  // up to an eighth more, then trims in one step). Values below 1 count as 1.
  std::uint64_t change_feed_capacity = 100'000;
  // RocksDB's own warnings and errors (info_log.h); empty: standard error.
  // RocksDB writes no LOG file in the store's directory.
  DiagnosticsSink diagnostics;
  // When the disk is too full to open the store for writing, open it
  // read-only instead: reads answer, Apply and WriteHealth fail kUnavailable.
  bool read_only_when_full = false;
  // The ttl Apply gives every record (ExecutionStore's header); empty: none.
  RetentionPolicy retention;
  // What "now" is for expiry; not owned; nullptr: the system's clock.
  const Clock* clock = nullptr;
  // Watches the conversion of a store written by an older build, which Open
  // does before it returns (store_conversion.h); not owned, used only during
  // Open; nullptr: nobody watches.
  StoreConversionObserver* conversion_observer = nullptr;
};

class RocksDbStore final : public ExecutionStore {
 public:
  // Opens (or, with create_if_missing, creates) the store at options.path. A
  // new store gets a random page-token secret, kept in the store. Fails with
  // kUnavailable when the directory is locked by another process or an I/O
  // error occurs, kInternal when it is not a store of a known format; a
  // read-only open as OpenMode::kReadOnly says.
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
  using ExecutionStore::Apply;
  // Local writes: `deadline` is not consulted, and a failed call applies nothing.
  Result<std::vector<ApplyOutcome>> Apply(std::span<const ExecutionRecord> candidates, const Deadline& deadline,
                                          KnownOutcomes* known) override;
  Result<std::vector<ExecutionRecord>> Scan(const ScanRequest& request) override;
  Result<std::optional<ExecutionRecord>> Get(std::string_view execution_arn) override;
  Result<std::string> PageTokenSecret() override;
  // Reads one consistent state of the feed: `latest` and `missed` describe
  // the same moment as `changes`. missed is true when sequences after `after`
  // were trimmed, i.e. after + 1 is below the first sequence kept; the changes
  // still kept are returned all the same.
  Result<ChangeRange> ReadChanges(std::uint64_t after, std::size_t limit) override;
  // From the exact counts kept with the records: one short range read.
  Result<std::vector<AgentSummary>> ListAgents() override;
  // From the hourly cells kept with the records: one range read per agent
  // (one in all when the request names the agent), in one snapshot.
  Result<std::vector<HourlyStat>> ReadHourlyStats(const StatsRequest& request) override;
  // One commit of at most `limit` records, through the group commit (so
  // never racing Apply): one range read of the expiry family, one MultiGet
  // of the records it names, one WriteBatch deleting them with their index
  // entries, agent counts, hourly cells and expiry entries. Change-feed
  // entries stay until trimmed but are never read again (ReadChanges). A
  // crash between commits loses nothing: the next call goes on where the
  // expiry family says. Errors as Apply's.
  Result<std::size_t> DeleteExpired(EpochSeconds now, std::size_t limit) override;
  // In the meta family under "checkpoint/<name>"; a write is one WriteBatch
  // of its own, fsync'd as Apply's are.
  Result<std::optional<std::string>> ReadCheckpoint(std::string_view name) override;
  Status WriteCheckpoint(std::string_view name, std::string_view value) override;
  // In the meta family (tag_cache_codec.h); a swap reads and writes under
  // one lock (one process owns the store), its write fsync'd as Apply's are.
  Result<std::optional<TagCacheEntry>> ReadTagEntry(std::string_view state_machine_arn,
                                                    const Deadline& deadline) override;
  Result<bool> SwapTagEntry(std::string_view state_machine_arn, std::uint64_t expected_version,
                            const TagCacheEntry& desired, const Deadline& deadline) override;
  // kUnavailable while the store is read-only (OpenMode::kReadOnly, or a
  // full disk at open), or while writes stay stopped
  // after a failed one (it asks RocksDB to resume first, so a disk that has
  // space again answers ok at once). Writes nothing.
  Status WriteHealth() override;

  // Flushes the memtables and rewrites every file into the bottom level, as
  // compaction would settle them eventually: for benchmarks that measure disk
  // bytes and for offline maintenance. Thread-safe; slow on a large store.
  Status CompactAll();

  // Returns once RocksDB has no flush or compaction running or pending, as a
  // store that takes a few events a second is nearly always: for benchmarks
  // that measure reads after a bulk load. Thread-safe; writes meanwhile may
  // keep it waiting. kUnavailable once a flush or compaction has failed
  // since the store was opened.
  Status WaitForBackgroundWork();

 private:
  struct Rep;
  struct Writer;

  explicit RocksDbStore(std::unique_ptr<Rep> rep);

  std::string ReadOnlyMessage() const;

  // Queues `self` and, once it leads, commits it with the writers queued
  // behind it; self's status.
  Status Commit(Writer& self);
  // Merges and writes the candidates of `group` in one WriteBatch; the result
  // of every writer in it. Called by the leader only, without the queue lock.
  Status CommitGroup(std::span<Writer* const> group);
  // The leader's share of DeleteExpired: deletes up to `sweep.limit`.
  Status CommitSweep(Writer& sweep);

  std::unique_ptr<Rep> rep_;
};

}  // namespace exidx
