#include "store/rocksdb/rocksdb_store.h"

#include <fmt/format.h>
#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/snapshot.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <exception>
#include <filesystem>
#include <mutex>
#include <thread>

#include "store/rocksdb/agent_counts_family.h"
#include "store/rocksdb/change_feed_family.h"
#include "store/rocksdb/empty_wal_files.h"
#include "store/rocksdb/expiry_family.h"
#include "store/rocksdb/group_merge.h"
#include "store/rocksdb/hourly_stats_family.h"
#include "store/rocksdb/index_family.h"
#include "store/rocksdb/record_codec.h"
#include "store/rocksdb/rocksdb_support.h"
#include "store/rocksdb/store_meta.h"
#include "store/rocksdb/store_tuning.h"
#include "store/rocksdb/tag_cache_codec.h"

namespace exidx {
namespace {

// The column families, in the order of RocksDbStore::Rep::handles: the meta
// data, the records, then the derived families in the order they stage
// their share of a commit. A family added later is created when a store
// written before it is opened.
constexpr std::array<std::string_view, 7> kFamilyNames = {
    "default", "records", "index", "changes", "agents", "stats", "expiry",
};
constexpr std::size_t kMetaHandle = 0;
constexpr std::size_t kRecordsHandle = 1;

// A leader takes queued writers until their candidates would pass this many,
// which bounds a batch (and the latency of the callers behind it) as LevelDB's
// 1 MiB group limit does. A single larger call still commits as one batch.
constexpr std::size_t kMaxGroupCandidates = 4096;

// Settles the families that staged their share of a batch, on every way out
// of the commit (an exception included): kNotWritten unless told otherwise.
class Settlement {
 public:
  explicit Settlement(std::span<DerivedFamily* const> families) : families_(families) {}
  ~Settlement() {
    for (std::size_t i = 0; i < staged_; ++i) families_[i]->Settle(fate_);
  }
  Settlement(const Settlement&) = delete;
  Settlement& operator=(const Settlement&) = delete;

  void Staged() { ++staged_; }
  void Set(BatchFate fate) { fate_ = fate; }

 private:
  std::span<DerivedFamily* const> families_;
  std::size_t staged_ = 0;
  BatchFate fate_ = BatchFate::kNotWritten;
};

// A read-only open cannot create a store or add the families an older build
// did not have: each is refused here with what to run instead.
Status CheckReadOnlyOpenable(const std::string& path) {
  std::error_code error;
  if (!std::filesystem::exists(std::filesystem::path(path) / "CURRENT", error)) {
    return Fail(ErrorCode::kInternal,
                fmt::format("rocksdb store {}: no store there (create one with: exidx ingest FILE --store {}, or "
                            "exidx serve --store {})",
                            path, path, path));
  }
  std::vector<std::string> present;
  const rocksdb::Status listed = rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), path, &present);
  if (!listed.ok()) return StoreFailure(path, listed, "listing the column families");
  std::vector<std::string_view> missing;
  for (std::string_view name : kFamilyNames) {
    if (std::find(present.begin(), present.end(), name) == present.end()) missing.push_back(name);
  }
  if (missing.empty()) return {};
  return Fail(ErrorCode::kInternal,
              ReadOnlyConversionMessage(path, fmt::format("new column families {}", fmt::join(missing, ", "))));
}

// DB::OpenForReadOnly beside a writer: the writer may delete a file (an
// empty WAL, a table compacted away) between the read-only open's listing
// and its reading of it, which fails that open with an I/O error; the next
// listing no longer names the file.
rocksdb::Status OpenReadOnly(const rocksdb::DBOptions& db_options, const std::string& path,
                             const std::vector<rocksdb::ColumnFamilyDescriptor>& families,
                             std::vector<rocksdb::ColumnFamilyHandle*>& handles, rocksdb::DB*& db) {
  constexpr int kAttempts = 3;
  rocksdb::Status status;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    status = rocksdb::DB::OpenForReadOnly(db_options, path, families, &handles, &db);
    if (!status.IsIOError()) break;
  }
  return status;
}

}  // namespace

struct RocksDbStore::Rep {
  std::string path;
  rocksdb::WriteOptions write_options;
  std::unique_ptr<rocksdb::DB> db;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;  // Owned; destroyed before db closes.
  rocksdb::ColumnFamilyHandle* records = nullptr;
  std::unique_ptr<IndexFamily> index;
  std::unique_ptr<ChangeFeedFamily> feed;
  std::unique_ptr<AgentCountsFamily> agents;
  std::unique_ptr<HourlyStatsFamily> stats;
  std::unique_ptr<ExpiryFamily> expiry;
  std::vector<DerivedFamily*> derived;  // Each of the above, in kFamilyNames order.
  std::string secret;
  RetentionPolicy retention;
  const Clock* clock = nullptr;

  std::mutex tag_mu;  // Makes SwapTagEntry's read and write one step.

  std::mutex mu;
  std::deque<Writer*> writers;  // Guarded by mu; the front one is the leader.
  // Set by the leader after a failed write; read by ResumeWrites, which
  // WriteHealth calls from any thread.
  std::atomic<bool> resume_before_write{false};
  std::atomic<bool> write_failed_for_space{false};  // Why, when resume_before_write.
  // Opened with DB::OpenForReadOnly: asked for (OpenMode::kReadOnly), or
  // because the disk was full (RocksDbStoreOptions::read_only_when_full).
  bool read_only = false;
  bool read_only_asked = false;

  ~Rep() {
    if (!db) return;
    for (rocksdb::ColumnFamilyHandle* handle : handles) db->DestroyColumnFamilyHandle(handle);
    db->Close().PermitUncheckedError();
  }

  // Makes the derived families, in kFamilyNames order: registering a new
  // one is one line here.
  void RegisterFamilies(const RocksDbStoreOptions& options) {
    std::size_t next = kRecordsHandle + 1;
    auto handle = [&] { return FamilyHandle{db.get(), handles[next++], path}; };
    index = std::make_unique<IndexFamily>(handle());
    feed = std::make_unique<ChangeFeedFamily>(handle(), options.change_feed_capacity);
    agents = std::make_unique<AgentCountsFamily>(handle());
    stats = std::make_unique<HourlyStatsFamily>(handle());
    expiry = std::make_unique<ExpiryFamily>(handle());
    derived = {index.get(), feed.get(), agents.get(), stats.get(), expiry.get()};
  }

  EpochSeconds NowSeconds() const { return SecondsOf(ClockOr(clock).NowMillis()); }

  // Reads the stored records of `arns` into `out` (nullopt: none stored).
  Status ReadRecords(std::span<const std::string_view> arns, std::vector<std::optional<ExecutionRecord>>& out) const {
    const std::size_t n = arns.size();
    std::vector<rocksdb::Slice> keys;
    keys.reserve(n);
    for (std::string_view arn : arns) keys.push_back(ToSlice(arn));
    std::vector<rocksdb::PinnableSlice> values(n);
    std::vector<rocksdb::Status> statuses(n);
    db->MultiGet(rocksdb::ReadOptions(), records, n, keys.data(), values.data(), statuses.data());
    out.clear();
    out.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
      if (statuses[i].IsNotFound()) continue;
      if (!statuses[i].ok()) return StoreFailure(path, statuses[i], "reading records");
      auto record = DecodeRecordValue(arns[i], ToView(values[i]));
      if (!record) return std::unexpected(record.error());
      out[i] = std::move(*record);
    }
    return {};
  }

  // Writes (or deletes) the replaced records and every derived family's
  // share of them in one WriteBatch.
  Status Write(std::span<const Replacement> replaced, std::span<const ExecutionRecord* const> applied) {
    std::vector<std::string> values(replaced.size());
    rocksdb::WriteBatch batch;
    for (std::size_t i = 0; i < values.size(); ++i) {
      rocksdb::Status status;
      if (const ExecutionRecord* record = replaced[i].after; record != nullptr) {
        EncodeRecordValue(*record, values[i]);
        status = batch.Put(records, ToSlice(record->execution_arn), values[i]);
      } else {
        status = batch.Delete(records, ToSlice(replaced[i].before->execution_arn));
      }
      if (!status.ok()) return StoreFailure(path, status, "building a write batch");
    }
    const GroupChanges changes{replaced, values, applied};
    Settlement settlement(derived);
    for (DerivedFamily* family : derived) {
      if (auto staged = family->Stage(changes, batch); !staged) return staged;
      settlement.Staged();
    }
    const rocksdb::Status status = db->Write(write_options, &batch);
    settlement.Set(status.ok() ? BatchFate::kWritten : BatchFate::kWriteFailed);
    return Written(status, "writing records");
  }

  // Writes `batch` after resuming writes stopped by an earlier failure.
  Status WriteAlone(rocksdb::WriteBatch& batch, std::string_view what) {
    if (auto resumed = ResumeWrites(); !resumed) return resumed;
    return Written(db->Write(write_options, &batch), what);
  }

  // The result of a write; a failed one stops writes until ResumeWrites.
  Status Written(const rocksdb::Status& status, std::string_view what) {
    if (status.ok()) return {};
    write_failed_for_space = status.IsNoSpace();
    resume_before_write = true;
    return StoreFailure(path, status, what);
  }

  // After a failed write RocksDB stops writes. From a full disk it recovers
  // by itself once there is room (its SstFileManager looks every 5 s and
  // wants a memtable's worth, 64 MiB, free; Resume answers Busy meanwhile);
  // after other errors (EIO) only a reopen, which replays the WAL up to its
  // last intact batch, brings the store back. Reads go on meanwhile.
  Status ResumeWrites() {
    if (!resume_before_write) return {};
    rocksdb::Status resumed = db->Resume();
    if (resumed.ok()) {
      resume_before_write = false;
      return {};
    }
    if (write_failed_for_space) {
      return Fail(ErrorCode::kUnavailable,
                  fmt::format("rocksdb store {}: the disk is full; writes resume by themselves once it has room "
                              "(64 MiB free); reads still answer",
                              path));
    }
    return Fail(ErrorCode::kUnavailable,
                fmt::format("rocksdb store {}: writes stopped after a write error and did not resume ({}); "
                            "reopen the store (restart the process) once the disk is healthy; reads still answer",
                            path, resumed.ToString()));
  }
};

struct RocksDbStore::Writer {
  struct Sweep {
    EpochSeconds now;
    std::size_t limit;
  };
  std::span<const ExecutionRecord> candidates;
  std::optional<Sweep> sweep;          // DeleteExpired's, instead of candidates.
  std::vector<ApplyOutcome> outcomes;  // Written by the leader.
  std::size_t deleted = 0;             // Written by the leader: what the sweep deleted.
  Status status;                       // Written by the leader.
  bool done = false;                   // Guarded by Rep::mu.
  std::condition_variable cv;
};

RocksDbStore::RocksDbStore(std::unique_ptr<Rep> rep) : rep_(std::move(rep)) {}

RocksDbStore::~RocksDbStore() = default;

std::string RocksDbStore::ReadOnlyMessage() const {
  if (rep_->read_only_asked) {
    return fmt::format("rocksdb store {}: opened read-only; writes need a command that opens it for writing",
                       rep_->path);
  }
  return fmt::format(
      "rocksdb store {}: opened read-only because the disk was full; queries answer, writes need a restart once "
      "there is space",
      rep_->path);
}

Status RocksDbStore::WriteHealth() {
  if (rep_->read_only) return Fail(ErrorCode::kUnavailable, ReadOnlyMessage());
  return rep_->ResumeWrites();
}

Result<std::unique_ptr<RocksDbStore>> RocksDbStore::Open(const RocksDbStoreOptions& options) {
  const bool read_only = options.open_mode == OpenMode::kReadOnly;
  if (options.create_if_missing && !read_only) {
    // RocksDB creates only the last directory of the path.
    std::error_code error;
    std::filesystem::create_directories(options.path, error);
    if (error) {
      return Fail(ErrorCode::kUnavailable,
                  fmt::format("rocksdb store {}: cannot create the directory: {}", options.path, error.message()));
    }
  }
  auto rep = std::make_unique<Rep>();
  rep->path = options.path;
  rep->write_options.sync = options.durability == Durability::kSync;

  const rocksdb::DBOptions db_options = DatabaseOptions(options);
  auto cache = rocksdb::NewLRUCache(options.block_cache_bytes);
  std::vector<rocksdb::ColumnFamilyDescriptor> families;
  for (std::size_t i = 0; i < kFamilyNames.size(); ++i) {
    families.emplace_back(std::string(kFamilyNames[i]), FamilyOptions(cache, /*point_lookups=*/i == kRecordsHandle));
  }
  rocksdb::DB* db = nullptr;
  rocksdb::Status status;
  if (read_only) {
    if (auto checked = CheckReadOnlyOpenable(options.path); !checked) return std::unexpected(checked.error());
    status = OpenReadOnly(db_options, options.path, families, rep->handles, db);
    rep->read_only = status.ok();
    rep->read_only_asked = true;
  } else {
    // Only a read-write open creates a WAL (and takes the LOCK the removal needs).
    if (auto removed = RemoveEmptyWalFiles(options.path); !removed) return std::unexpected(removed.error());
    status = rocksdb::DB::Open(db_options, options.path, families, &rep->handles, &db);
    if (status.IsNoSpace() && options.read_only_when_full) {
      // A read-write open writes a new WAL, MANIFEST and OPTIONS file; a
      // read-only one writes nothing, so the index still answers queries.
      status = rocksdb::DB::OpenForReadOnly(db_options, options.path, families, &rep->handles, &db);
      rep->read_only = status.ok();
    }
  }
  if (!status.ok()) return StoreFailure(options.path, status, "open");
  rep->db.reset(db);
  rep->records = rep->handles[kRecordsHandle];
  rep->retention = options.retention;
  rep->clock = options.clock;
  rep->RegisterFamilies(options);

  auto secret = OpenMeta(MetaHandles{db, rep->handles[kMetaHandle], rep->records, rep->path, read_only}, rep->derived,
                         options.conversion_observer);
  if (!secret) return std::unexpected(secret.error());
  rep->secret = std::move(*secret);
  return std::unique_ptr<RocksDbStore>(new RocksDbStore(std::move(rep)));
}

Result<std::vector<ApplyOutcome>> RocksDbStore::Apply(std::span<const ExecutionRecord> candidates, const Deadline&,
                                                      KnownOutcomes*) {
  if (candidates.empty()) return std::vector<ApplyOutcome>();
  if (rep_->read_only) return Fail(ErrorCode::kUnavailable, ReadOnlyMessage());
  std::vector<ExecutionRecord> stamped;
  Writer self;
  self.candidates = WithExpiry(rep_->retention, candidates, stamped);
  if (auto committed = Commit(self); !committed) return std::unexpected(std::move(committed.error()));
  return std::move(self.outcomes);
}

Result<std::size_t> RocksDbStore::DeleteExpired(EpochSeconds now, std::size_t limit) {
  if (limit == 0) return std::size_t{0};
  if (rep_->read_only) return Fail(ErrorCode::kUnavailable, ReadOnlyMessage());
  Writer self;
  self.sweep = Writer::Sweep{now, limit};
  if (auto committed = Commit(self); !committed) return std::unexpected(std::move(committed.error()));
  return self.deleted;
}

Status RocksDbStore::Commit(Writer& self) {
  std::unique_lock lock(rep_->mu);
  rep_->writers.push_back(&self);
  self.cv.wait(lock, [&] { return self.done || rep_->writers.front() == &self; });
  if (!self.done) {
    // Leader: commit everyone queued so far, up to the group limit; a sweep
    // commits alone.
    std::vector<Writer*> group;
    std::size_t total = 0;
    for (Writer* writer : rep_->writers) {
      if (!group.empty() && (writer->sweep || group.front()->sweep)) break;
      if (!group.empty() && total + writer->candidates.size() > kMaxGroupCandidates) break;
      group.push_back(writer);
      total += writer->candidates.size();
    }
    lock.unlock();
    Status status;
    try {
      status = CommitGroup(group);
    } catch (const std::exception& e) {  // bad_alloc: fail the group, keep the queue moving.
      status = Fail(ErrorCode::kInternal, fmt::format("rocksdb store {}: {}", rep_->path, e.what()));
    }
    lock.lock();
    for (Writer* writer : group) {
      rep_->writers.pop_front();
      writer->status = status;
      writer->done = true;
      // Under the lock: once it sees `done`, a waiter may return and destroy its cv.
      if (writer != &self) writer->cv.notify_one();
    }
    if (!rep_->writers.empty()) rep_->writers.front()->cv.notify_one();
  }
  lock.unlock();
  return std::move(self.status);
}

Status RocksDbStore::CommitGroup(std::span<Writer* const> group) {
  if (group.front()->sweep) return CommitSweep(*group.front());
  if (auto resumed = rep_->ResumeWrites(); !resumed) return resumed;
  std::vector<std::span<const ExecutionRecord>> calls;
  calls.reserve(group.size());
  for (const Writer* writer : group) calls.push_back(writer->candidates);
  const GroupExecutions executions = ExecutionsOf(calls);
  std::vector<std::optional<ExecutionRecord>> stored;
  if (auto read = rep_->ReadRecords(executions.arns, stored); !read) return read;
  MergedGroup merged = MergeGroup(calls, executions, stored);
  for (std::size_t i = 0; i < group.size(); ++i) group[i]->outcomes = std::move(merged.outcomes[i]);
  if (merged.changes.empty()) return {};
  return rep_->Write(merged.replaced, merged.changes);
}

Status RocksDbStore::CommitSweep(Writer& sweep) {
  if (auto resumed = rep_->ResumeWrites(); !resumed) return resumed;
  auto due = rep_->expiry->Due(sweep.sweep->now, sweep.sweep->limit);
  if (!due) return std::unexpected(due.error());
  if (due->empty()) return {};
  std::vector<std::string_view> arns;
  arns.reserve(due->size());
  for (const ExpiryFamily::Expired& entry : *due) arns.push_back(entry.execution_arn);
  std::vector<std::optional<ExecutionRecord>> stored;
  if (auto read = rep_->ReadRecords(arns, stored); !read) return read;
  std::vector<Replacement> deleted;
  deleted.reserve(stored.size());
  for (std::size_t i = 0; i < stored.size(); ++i) {
    if (!stored[i] || stored[i]->ttl != (*due)[i].ttl) {
      return Fail(ErrorCode::kInternal,
                  fmt::format("rocksdb store {}: the expiry entry of {} disagrees with its record", rep_->path,
                              Quoted(arns[i])));
    }
    deleted.push_back(Replacement{&*stored[i], nullptr});
  }
  std::sort(deleted.begin(), deleted.end(), [](const Replacement& a, const Replacement& b) {
    return a.before->execution_arn < b.before->execution_arn;
  });
  if (auto written = rep_->Write(deleted, {}); !written) return written;
  rep_->expiry->SweptThrough(due->back());
  sweep.deleted = deleted.size();
  return {};
}

Result<std::vector<ExecutionRecord>> RocksDbStore::Scan(const ScanRequest& request) {
  return rep_->index->Scan(request, rep_->NowSeconds());
}

Result<std::optional<ExecutionRecord>> RocksDbStore::Get(std::string_view execution_arn) {
  rocksdb::PinnableSlice value;
  const rocksdb::Status status = rep_->db->Get(rocksdb::ReadOptions(), rep_->records, ToSlice(execution_arn), &value);
  if (status.IsNotFound()) return std::optional<ExecutionRecord>();
  if (!status.ok()) return StoreFailure(rep_->path, status, "reading a record");
  auto record = DecodeRecordValue(execution_arn, ToView(value));
  if (!record) return std::unexpected(record.error());
  if (IsExpired(*record, rep_->NowSeconds())) return std::optional<ExecutionRecord>();
  return std::optional<ExecutionRecord>(std::move(*record));
}

Result<std::string> RocksDbStore::PageTokenSecret() {
  return rep_->secret;
}

Result<std::optional<std::string>> RocksDbStore::ReadCheckpoint(std::string_view name) {
  if (auto valid = CheckCheckpoint(name, {}); !valid) return std::unexpected(valid.error());
  std::string value;
  const rocksdb::Status status =
      rep_->db->Get(rocksdb::ReadOptions(), rep_->handles[kMetaHandle], ToSlice(CheckpointKey(name)), &value);
  if (status.IsNotFound()) return std::optional<std::string>();
  if (!status.ok()) return StoreFailure(rep_->path, status, "reading a checkpoint");
  return std::optional<std::string>(std::move(value));
}

Status RocksDbStore::WriteCheckpoint(std::string_view name, std::string_view value) {
  if (auto valid = CheckCheckpoint(name, value); !valid) return valid;
  if (rep_->read_only) return Fail(ErrorCode::kUnavailable, ReadOnlyMessage());
  rocksdb::WriteBatch batch;
  const rocksdb::Status staged = batch.Put(rep_->handles[kMetaHandle], ToSlice(CheckpointKey(name)), ToSlice(value));
  if (!staged.ok()) return StoreFailure(rep_->path, staged, "building a write batch");
  return rep_->WriteAlone(batch, "writing a checkpoint");
}

Result<std::optional<TagCacheEntry>> RocksDbStore::ReadTagEntry(std::string_view state_machine_arn, const Deadline&) {
  if (auto valid = CheckTagCacheEntry(state_machine_arn, nullptr); !valid) return std::unexpected(valid.error());
  const std::string key = TagEntryKey(state_machine_arn);
  std::string value;
  const rocksdb::Status status =
      rep_->db->Get(rocksdb::ReadOptions(), rep_->handles[kMetaHandle], ToSlice(key), &value);
  if (status.IsNotFound()) return std::optional<TagCacheEntry>();
  if (!status.ok()) return StoreFailure(rep_->path, status, "reading a tag cache entry");
  auto entry = DecodeTagEntry(value, key);
  if (!entry) return std::unexpected(entry.error());
  return std::optional<TagCacheEntry>(std::move(*entry));
}

Result<bool> RocksDbStore::SwapTagEntry(std::string_view state_machine_arn, std::uint64_t expected_version,
                                        const TagCacheEntry& desired, const Deadline& deadline) {
  if (auto valid = CheckTagCacheEntry(state_machine_arn, &desired); !valid) return std::unexpected(valid.error());
  if (rep_->read_only) return Fail(ErrorCode::kUnavailable, ReadOnlyMessage());
  std::lock_guard lock(rep_->tag_mu);
  auto stored = ReadTagEntry(state_machine_arn, deadline);
  if (!stored) return std::unexpected(stored.error());
  if ((*stored ? (*stored)->version : 0) != expected_version) return false;
  TagCacheEntry entry = desired;
  entry.version = expected_version + 1;
  rocksdb::WriteBatch batch;
  const rocksdb::Status staged =
      batch.Put(rep_->handles[kMetaHandle], ToSlice(TagEntryKey(state_machine_arn)), ToSlice(EncodeTagEntry(entry)));
  if (!staged.ok()) return StoreFailure(rep_->path, staged, "building a write batch");
  if (auto written = rep_->WriteAlone(batch, "writing a tag cache entry"); !written) {
    return std::unexpected(written.error());
  }
  return true;
}

Result<ChangeRange> RocksDbStore::ReadChanges(std::uint64_t after, std::size_t limit) {
  if (!rep_->expiry->MayHaveEntries()) return rep_->feed->Read(after, limit);
  // A change is shown while its execution's record is stored and unexpired:
  // the changes of swept records are gone with them, without a scan of the feed.
  const EpochSeconds now = rep_->NowSeconds();
  return rep_->feed->Read(after, limit, [this, now](std::vector<RecordChange>& changes) -> Status {
    std::vector<std::string_view> arns;
    arns.reserve(changes.size());
    for (const RecordChange& change : changes) arns.push_back(change.record.execution_arn);
    std::vector<std::optional<ExecutionRecord>> current;
    if (auto read = rep_->ReadRecords(arns, current); !read) return read;
    std::vector<RecordChange> kept;
    kept.reserve(changes.size());
    for (std::size_t i = 0; i < changes.size(); ++i) {
      if (current[i] && !IsExpired(*current[i], now)) kept.push_back(std::move(changes[i]));
    }
    changes = std::move(kept);
    return {};
  });
}

Result<std::vector<AgentSummary>> RocksDbStore::ListAgents() {
  return rep_->agents->List();
}

Result<std::vector<HourlyStat>> RocksDbStore::ReadHourlyStats(const StatsRequest& request) {
  if (request.from_hour >= request.to_hour) return std::vector<HourlyStat>();
  // One snapshot for the agents and their cells: they agree.
  rocksdb::ManagedSnapshot snapshot(rep_->db.get());
  rocksdb::ReadOptions options;
  options.snapshot = snapshot.snapshot();
  std::vector<std::string> agents;
  if (request.agent_name) {
    agents.push_back(*request.agent_name);
  } else {
    auto names = rep_->agents->Names(options);
    if (!names) return std::unexpected(names.error());
    agents = std::move(*names);
  }
  return rep_->stats->Read(request, options, agents);
}

Status RocksDbStore::WaitForBackgroundWork() {
  const auto busy = [this](rocksdb::ColumnFamilyHandle* family, const std::string& property) {
    std::uint64_t value = 0;
    return rep_->db->GetIntProperty(family, property, &value) && value != 0;
  };
  while (true) {
    // A failed flush or compaction stays pending: report it instead of waiting for ever.
    if (busy(rep_->db->DefaultColumnFamily(), rocksdb::DB::Properties::kBackgroundErrors)) {
      return Fail(ErrorCode::kUnavailable,
                  fmt::format("rocksdb store {}: a flush or compaction failed (see the store's LOG)", rep_->path));
    }
    bool idle = !busy(rep_->db->DefaultColumnFamily(), rocksdb::DB::Properties::kNumRunningFlushes) &&
                !busy(rep_->db->DefaultColumnFamily(), rocksdb::DB::Properties::kNumRunningCompactions);
    for (rocksdb::ColumnFamilyHandle* family : rep_->handles) {
      idle = idle && !busy(family, rocksdb::DB::Properties::kMemTableFlushPending) &&
             !busy(family, rocksdb::DB::Properties::kCompactionPending);
    }
    if (idle) return {};
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

Status RocksDbStore::CompactAll() {
  for (rocksdb::ColumnFamilyHandle* family : rep_->handles) {
    rocksdb::CompactRangeOptions options;
    options.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
    rocksdb::Status status = rep_->db->CompactRange(options, family, nullptr, nullptr);
    if (!status.ok()) return StoreFailure(rep_->path, status, "compacting");
  }
  return {};
}

}  // namespace exidx
