#include "store/rocksdb/rocksdb_store.h"

#include <fmt/format.h>
#include <rocksdb/cache.h>
#include <rocksdb/convenience.h>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/snapshot.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <exception>
#include <filesystem>
#include <map>
#include <mutex>
#include <thread>
#include <tuple>
#include <unordered_map>

#include "core/page_token.h"
#include "store/rocksdb/empty_wal_files.h"
#include "store/rocksdb/index_keys.h"
#include "store/rocksdb/info_log.h"
#include "store/rocksdb/record_codec.h"
#include "store/rocksdb/varint.h"

namespace exidx {
namespace {

constexpr char kRecordsFamily[] = "records";
constexpr char kIndexFamily[] = "index";
constexpr char kChangesFamily[] = "changes";
constexpr char kAgentsFamily[] = "agents";
constexpr char kStatsFamily[] = "stats";
constexpr std::string_view kFormatVersionKey = "format_version";
constexpr std::string_view kSecretKey = "page_token_secret";
// Present once the agents family holds every record's count; its value is the
// version of that family's layout.
constexpr std::string_view kAgentCountsKey = "agent_counts";
constexpr std::string_view kAgentCountsVersion = "\x01";
// Present once the stats family holds every record's cell; its value is the
// version of that family's layout.
constexpr std::string_view kHourlyStatsKey = "hourly_stats";
constexpr std::string_view kHourlyStatsVersion = "\x01";
// In the changes family, sorted before every sequence: the first one kept.
constexpr std::string_view kFeedStartKey = "";
constexpr std::size_t kSequenceBytes = 8;
// The layout of the whole store (families, keys); record values carry their own.
// Format 1 ordered index keys oldest first; format 2 newest first, and a store
// of format 1 is converted when opened (Rep::RebuildIndex).
constexpr std::string_view kStoreFormatVersion = "\x02";
constexpr std::string_view kStoreFormatVersion1 = "\x01";
// Bounds of every key of the index family (each starts with a shape byte).
constexpr std::string_view kIndexFamilyBegin = "";
constexpr std::string_view kIndexFamilyEnd = "\xff";
// Records per batch when the index is written again from the records.
constexpr std::size_t kRebuildBatchRecords = 10'000;

// A leader takes queued writers until their candidates would pass this many,
// which bounds a batch (and the latency of the callers behind it) as LevelDB's
// 1 MiB group limit does. A single larger call still commits as one batch.
constexpr std::size_t kMaxGroupCandidates = 4096;

rocksdb::Slice ToSlice(std::string_view bytes) {
  return rocksdb::Slice(bytes.data(), bytes.size());
}
std::string_view ToView(const rocksdb::Slice& slice) {
  return std::string_view(slice.data(), slice.size());
}

// Big-endian, so that keys sort as the sequences do.
std::string SequenceKey(std::uint64_t sequence) {
  std::string key(kSequenceBytes, '\0');
  for (std::size_t i = 0; i < kSequenceBytes; ++i) {
    key[kSequenceBytes - 1 - i] = static_cast<char>(sequence >> (8 * i));
  }
  return key;
}

// REQUIRES: key.size() == kSequenceBytes.
std::uint64_t SequenceOf(std::string_view key) {
  std::uint64_t sequence = 0;
  for (char byte : key) sequence = (sequence << 8) | static_cast<unsigned char>(byte);
  return sequence;
}

// A change's value: the record with its executionArn, which the record
// codec leaves to the key of the records family.
void EncodeChangeValue(const ExecutionRecord& record, std::string& out) {
  AppendVarint64(out, record.execution_arn.size());
  out.append(record.execution_arn);
  EncodeRecordValue(record, out);
}

Result<ExecutionRecord> DecodeChangeValue(std::uint64_t sequence, std::string_view bytes) {
  const std::optional<std::uint64_t> size = ReadVarint64(bytes);
  if (!size || *size > bytes.size()) {
    return Fail(ErrorCode::kInternal, fmt::format("change {} of the change feed is corrupt", sequence));
  }
  return DecodeRecordValue(bytes.substr(0, *size), bytes.substr(*size));
}

// A stats cell's key: varint length + agentName, then the hour as 8 bytes
// big-endian with the sign bit flipped (signed order, as index keys), then
// the status byte. Agent-major, so that one agent's hours are one range.
std::string StatsPrefix(std::string_view agent) {
  std::string key;
  AppendVarint64(key, agent.size());
  key.append(agent);
  return key;
}
std::string HourBytes(EpochMillis hour) {
  return SequenceKey(static_cast<std::uint64_t>(hour) ^ (std::uint64_t{1} << 63));
}
EpochMillis HourOf(std::string_view bytes) {
  return static_cast<EpochMillis>(SequenceOf(bytes) ^ (std::uint64_t{1} << 63));
}
// The hour of a record's cell, computed exactly as the contract's reference does.
EpochMillis CellHourOf(const ExecutionRecord& record) {
  return record.start_date - record.start_date % kMillisPerHour;
}
std::string StatsKeyOf(const ExecutionRecord& record) {
  std::string key = StatsPrefix(record.agent_name);
  key.append(HourBytes(CellHourOf(record)));
  key.push_back(static_cast<char>(record.status));
  return key;
}

// A cell as counters: executions and the dense duration bins. Its value:
// varint executions, varint number of bins, then (varint bin, varint count)
// per non-empty bin, bins ascending.
struct StatsCounters {
  std::int64_t executions = 0;
  std::array<std::int64_t, kDurationBins> bins{};

  // Adds (sign 1) or subtracts (sign -1) one record.
  void Add(const ExecutionRecord& record, std::int64_t sign) {
    executions += sign;
    if (auto seconds = DurationSeconds(record)) bins[DurationBin(*seconds)] += sign;
  }
  bool Zero() const {
    return executions == 0 && std::all_of(bins.begin(), bins.end(), [](std::int64_t n) { return n == 0; });
  }
  bool Negative() const {
    return executions < 0 || std::any_of(bins.begin(), bins.end(), [](std::int64_t n) { return n < 0; });
  }
};

std::string EncodeStats(const StatsCounters& cell) {
  std::string value;
  AppendVarint64(value, static_cast<std::uint64_t>(cell.executions));
  const auto used = std::count_if(cell.bins.begin(), cell.bins.end(), [](std::int64_t n) { return n != 0; });
  AppendVarint64(value, static_cast<std::uint64_t>(used));
  for (std::size_t bin = 0; bin < kDurationBins; ++bin) {
    if (cell.bins[bin] == 0) continue;
    AppendVarint64(value, bin);
    AppendVarint64(value, static_cast<std::uint64_t>(cell.bins[bin]));
  }
  return value;
}

// Decodes a stats value into a HourlyStat's counts; false when corrupt.
bool DecodeStats(std::string_view value, HourlyStat& out) {
  const std::optional<std::uint64_t> executions = ReadVarint64(value);
  const std::optional<std::uint64_t> used = ReadVarint64(value);
  if (!executions || !used || *executions == 0 || *used > kDurationBins) return false;
  out.executions = *executions;
  out.durations.clear();
  std::uint64_t binned = 0;
  for (std::uint64_t i = 0; i < *used; ++i) {
    const std::optional<std::uint64_t> bin = ReadVarint64(value);
    const std::optional<std::uint64_t> n = ReadVarint64(value);
    if (!bin || !n || *bin >= kDurationBins || *n == 0) return false;
    if (!out.durations.empty() && *bin <= out.durations.back().first) return false;
    out.durations.emplace_back(static_cast<std::uint16_t>(*bin), *n);
    binned += *n;
  }
  return value.empty() && binned <= *executions;
}

StatsCounters CountersOf(const HourlyStat& stat) {
  StatsCounters cell;
  cell.executions = static_cast<std::int64_t>(stat.executions);
  for (const auto& [bin, n] : stat.durations) cell.bins[bin] = static_cast<std::int64_t>(n);
  return cell;
}

std::string EncodeCount(std::uint64_t count) {
  std::string value;
  AppendVarint64(value, count);
  return value;
}

// Failures a caller may retry: the disk, a lock, or RocksDB being busy.
bool IsTransient(const rocksdb::Status& status) {
  return status.IsIOError() || status.IsBusy() || status.IsTryAgain() || status.IsTimedOut() || status.IsIncomplete() ||
         status.IsShutdownInProgress() || status.IsAborted();
}

// The first of `preferred` that this RocksDB build supports, else none.
rocksdb::CompressionType FirstSupported(std::initializer_list<rocksdb::CompressionType> preferred) {
  const std::vector<rocksdb::CompressionType> supported = rocksdb::GetSupportedCompressions();
  for (rocksdb::CompressionType type : preferred) {
    if (std::find(supported.begin(), supported.end(), type) != supported.end()) return type;
  }
  return rocksdb::kNoCompression;
}

// `point_lookups`: the family is read by key (records), not only by range (index, meta).
rocksdb::ColumnFamilyOptions FamilyOptions(const std::shared_ptr<rocksdb::Cache>& cache, bool point_lookups) {
  rocksdb::ColumnFamilyOptions options;
  // Dynamic level sizes keep space amplification near 1.1 at any data size.
  options.level_compaction_dynamic_level_bytes = true;
  // Fast compression where data is rewritten soon, dense where it settles.
  options.compression = FirstSupported({rocksdb::kLZ4Compression, rocksdb::kSnappyCompression});
  options.bottommost_compression = FirstSupported({rocksdb::kZSTD, rocksdb::kLZ4Compression});
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = cache;
  table.format_version = 5;
  if (point_lookups) {
    // Apply's reads of new executions skip files without the key. The hash
    // index inside data blocks halves point lookups (measured: a MultiGet of
    // 51 cached records took 65 instead of 147 us) for ~1 byte per record.
    table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
    table.data_block_index_type = rocksdb::BlockBasedTableOptions::kDataBlockBinaryAndHash;
    // About half of all events are an execution's first: their lookup in the
    // memtable is answered by a bloom filter instead of a skiplist search.
    options.memtable_whole_key_filtering = true;
    options.memtable_prefix_bloom_size_ratio = 0.02;
  }
  options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  return options;
}

}  // namespace

struct RocksDbStore::Rep {
  std::string path;
  rocksdb::WriteOptions write_options;
  std::unique_ptr<rocksdb::DB> db;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;  // Owned; destroyed before db closes.
  rocksdb::ColumnFamilyHandle* meta = nullptr;
  rocksdb::ColumnFamilyHandle* records = nullptr;
  rocksdb::ColumnFamilyHandle* index = nullptr;
  rocksdb::ColumnFamilyHandle* changes = nullptr;
  rocksdb::ColumnFamilyHandle* agents = nullptr;
  rocksdb::ColumnFamilyHandle* stats = nullptr;
  std::string secret;
  std::uint64_t feed_capacity = 1;
  std::uint64_t feed_trim_step = 1;  // Trimming waits until this many more than the capacity.

  std::mutex mu;
  std::deque<Writer*> writers;  // Guarded by mu; the front one is the leader.
  // Set by the leader after a failed write; read by ResumeWrites, which
  // WriteHealth calls from any thread.
  std::atomic<bool> resume_before_write{false};
  std::atomic<bool> write_failed_for_space{false};  // Why, when resume_before_write.
  // Opened with DB::OpenForReadOnly (RocksDbStoreOptions::read_only_when_full).
  bool read_only = false;
  // Only the leader touches these (Open before any); each hand-over of the
  // lead goes through mu. They describe the store as written so far.
  std::uint64_t next_sequence = 1;
  std::uint64_t feed_start = 1;  // Changes below it are trimmed.
  using AgentCounts = std::map<std::string, std::uint64_t, std::less<>>;
  AgentCounts agent_counts;

  // A count to set in agent_counts once its batch is written.
  struct CountUpdate {
    AgentCounts::iterator entry;
    std::uint64_t count;
  };

  ~Rep() {
    if (!db) return;
    for (rocksdb::ColumnFamilyHandle* handle : handles) db->DestroyColumnFamilyHandle(handle);
    db->Close().PermitUncheckedError();
  }

  std::unexpected<Error> Failure(const rocksdb::Status& status, std::string_view what) const {
    if (status.IsNoSpace()) {
      return Fail(ErrorCode::kUnavailable,
                  fmt::format("rocksdb store {}: {}: the disk is full ({}); writes resume once there is space", path,
                              what, status.ToString()));
    }
    return Fail(IsTransient(status) ? ErrorCode::kUnavailable : ErrorCode::kInternal,
                fmt::format("rocksdb store {}: {}: {}", path, what, status.ToString()));
  }

  // Reads the stored records of `arns` into `out` (nullopt: none stored).
  Status ReadRecords(const rocksdb::ReadOptions& read_options, std::span<const std::string_view> arns,
                     std::vector<std::optional<ExecutionRecord>>& out) const {
    const std::size_t n = arns.size();
    std::vector<rocksdb::Slice> keys;
    keys.reserve(n);
    for (std::string_view arn : arns) keys.push_back(ToSlice(arn));
    std::vector<rocksdb::PinnableSlice> values(n);
    std::vector<rocksdb::Status> statuses(n);
    db->MultiGet(read_options, records, n, keys.data(), values.data(), statuses.data());
    out.clear();
    out.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
      if (statuses[i].IsNotFound()) continue;
      if (!statuses[i].ok()) return Failure(statuses[i], "reading records");
      auto record = DecodeRecordValue(arns[i], ToView(values[i]));
      if (!record) return std::unexpected(record.error());
      out[i] = std::move(*record);
    }
    return {};
  }

  // Creates the meta entries of a new store or checks those of an existing
  // one, converting a store of format 1.
  Status LoadMeta() {
    std::string version;
    rocksdb::Status status = db->Get(rocksdb::ReadOptions(), meta, ToSlice(kFormatVersionKey), &version);
    if (status.IsNotFound()) return InitializeMeta();
    if (!status.ok()) return Failure(status, "reading format version");
    if (version == kStoreFormatVersion1) {
      if (auto rebuilt = RebuildIndex(); !rebuilt) return rebuilt;
      version = kStoreFormatVersion;
    }
    if (version != kStoreFormatVersion) {
      return Fail(ErrorCode::kInternal,
                  fmt::format("rocksdb store {}: unsupported store format version {} (this build reads {})", path,
                              Quoted(version), Quoted(kStoreFormatVersion)));
    }
    status = db->Get(rocksdb::ReadOptions(), meta, ToSlice(kSecretKey), &secret);
    if (!status.ok()) return Failure(status, "reading the page-token secret");
    if (secret.size() < 16) {
      return Fail(ErrorCode::kInternal, fmt::format("rocksdb store {}: page-token secret is too short", path));
    }
    return {};
  }

  // Drops the index and writes it again from the records, newest first (the
  // layout of format 2) with values of the current record format; the format
  // version changes in the last batch, so an interrupted rebuild is simply
  // done again at the next open.
  Status RebuildIndex() {
    rocksdb::WriteOptions sync;
    sync.sync = true;
    rocksdb::WriteBatch batch;
    rocksdb::Status status = batch.DeleteRange(index, ToSlice(kIndexFamilyBegin), ToSlice(kIndexFamilyEnd));
    if (status.ok()) status = db->Write(sync, &batch);
    if (!status.ok()) return Failure(status, "dropping the index of a format 1 store");

    batch.Clear();
    std::size_t batched = 0;
    std::string value;
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), records));
    for (it->SeekToFirst(); it->Valid() && status.ok(); it->Next()) {
      auto record = DecodeRecordValue(ToView(it->key()), ToView(it->value()));
      if (!record) return std::unexpected(record.error());
      value.clear();
      EncodeRecordValue(*record, value);
      for (const std::string& key : IndexKeysOf(*record)) {
        if (status.ok()) status = batch.Put(index, key, value);
      }
      if (status.ok() && ++batched == kRebuildBatchRecords) {
        status = db->Write(rocksdb::WriteOptions(), &batch);
        batch.Clear();
        batched = 0;
      }
    }
    if (status.ok()) status = it->status();
    if (status.ok()) status = batch.Put(meta, ToSlice(kFormatVersionKey), ToSlice(kStoreFormatVersion));
    // Synced, so every batch before it is durable too.
    if (status.ok()) status = db->Write(sync, &batch);
    if (!status.ok()) return Failure(status, "rebuilding the index of a format 1 store");
    return {};
  }

  Status InitializeMeta() {
    auto new_secret = PageTokenCodec::NewSecret();
    if (!new_secret) return std::unexpected(new_secret.error());
    rocksdb::WriteBatch batch;
    rocksdb::Status status = batch.Put(meta, ToSlice(kSecretKey), *new_secret);
    if (status.ok()) status = batch.Put(meta, ToSlice(kFormatVersionKey), ToSlice(kStoreFormatVersion));
    // A new store has no records, so its (empty) counts are complete.
    if (status.ok()) status = batch.Put(meta, ToSlice(kAgentCountsKey), ToSlice(kAgentCountsVersion));
    if (status.ok()) status = batch.Put(meta, ToSlice(kHourlyStatsKey), ToSlice(kHourlyStatsVersion));
    rocksdb::WriteOptions sync;
    sync.sync = true;
    if (status.ok()) status = db->Write(sync, &batch);
    // Flushed so that the rarely written meta family never pins old WAL files.
    if (status.ok()) status = db->Flush(rocksdb::FlushOptions(), meta);
    if (!status.ok()) return Failure(status, "creating the store's meta data");
    secret = std::move(*new_secret);
    return {};
  }

  // Finds where the change feed starts and ends.
  Status LoadFeed() {
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), changes));
    auto bounds = FeedBounds(*it);
    if (!bounds) return std::unexpected(bounds.error());
    feed_start = bounds->first;
    // Trimming always keeps the newest change, so the last one is the newest ever.
    next_sequence = std::max(bounds->first, bounds->second + 1);
    return {};
  }

  // The first sequence kept and the newest one (0: none) of the feed as
  // `it` sees it.
  Result<std::pair<std::uint64_t, std::uint64_t>> FeedBounds(rocksdb::Iterator& it) const {
    std::uint64_t first = 1;
    std::uint64_t latest = 0;
    it.Seek(ToSlice(kFeedStartKey));
    if (it.Valid() && it.key().empty()) {
      if (it.value().size() != kSequenceBytes) return Fail(ErrorCode::kInternal, Corrupt("change feed start"));
      first = std::max<std::uint64_t>(1, SequenceOf(ToView(it.value())));
    }
    it.SeekToLast();
    if (it.Valid() && !it.key().empty()) {
      if (it.key().size() != kSequenceBytes) return Fail(ErrorCode::kInternal, Corrupt("change feed key"));
      latest = SequenceOf(ToView(it.key()));
    }
    if (!it.status().ok()) return Failure(it.status(), "reading the change feed");
    return std::pair(first, latest);
  }

  // Loads the agents' counts, first computing them from the records when
  // the store was written by a version that kept none.
  Status LoadAgentCounts() {
    std::string version;
    rocksdb::Status status = db->Get(rocksdb::ReadOptions(), meta, ToSlice(kAgentCountsKey), &version);
    if (status.IsNotFound()) return RebuildAgentCounts();
    if (!status.ok()) return Failure(status, "reading the agent counts' version");
    if (version != kAgentCountsVersion) {
      return Fail(ErrorCode::kInternal,
                  fmt::format("rocksdb store {}: unsupported agent counts version {} (this build reads {})", path,
                              Quoted(version), Quoted(kAgentCountsVersion)));
    }
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), agents));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      auto count = CountOf(*it);
      if (!count) return std::unexpected(count.error());
      agent_counts.emplace(std::string(ToView(it->key())), *count);
    }
    if (!it->status().ok()) return Failure(it->status(), "reading the agent counts");
    return {};
  }

  // One scan of the records; the counts and their marker go in one batch, so
  // an interrupted rebuild is simply done again at the next open.
  Status RebuildAgentCounts() {
    agent_counts.clear();
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), records));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      auto record = DecodeRecordValue(ToView(it->key()), ToView(it->value()));
      if (!record) return std::unexpected(record.error());
      ++agent_counts[record->agent_name];
    }
    if (!it->status().ok()) return Failure(it->status(), "counting the records of each agent");

    rocksdb::WriteBatch batch;
    rocksdb::Status status;
    it.reset(db->NewIterator(rocksdb::ReadOptions(), agents));
    for (it->SeekToFirst(); it->Valid() && status.ok(); it->Next()) {
      if (!agent_counts.contains(ToView(it->key()))) status = batch.Delete(agents, it->key());
    }
    if (status.ok()) status = it->status();
    for (auto entry = agent_counts.begin(); entry != agent_counts.end() && status.ok(); ++entry) {
      status = batch.Put(agents, entry->first, EncodeCount(entry->second));
    }
    if (status.ok()) status = batch.Put(meta, ToSlice(kAgentCountsKey), ToSlice(kAgentCountsVersion));
    rocksdb::WriteOptions sync;
    sync.sync = true;
    if (status.ok()) status = db->Write(sync, &batch);
    if (!status.ok()) return Failure(status, "writing the agent counts of an older store");
    return {};
  }

  // Checks the stats' version, first computing the cells from the records
  // when the store was written by a version that kept none.
  Status LoadHourlyStats() {
    std::string version;
    rocksdb::Status status = db->Get(rocksdb::ReadOptions(), meta, ToSlice(kHourlyStatsKey), &version);
    if (status.IsNotFound()) return RebuildHourlyStats();
    if (!status.ok()) return Failure(status, "reading the hourly stats' version");
    if (version != kHourlyStatsVersion) {
      return Fail(ErrorCode::kInternal,
                  fmt::format("rocksdb store {}: unsupported hourly stats version {} (this build reads {})", path,
                              Quoted(version), Quoted(kHourlyStatsVersion)));
    }
    return {};
  }

  // One scan of the records; the cells and their marker go in one batch, so
  // an interrupted rebuild is simply done again at the next open.
  Status RebuildHourlyStats() {
    std::map<std::string, StatsCounters> cells;
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), records));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      auto record = DecodeRecordValue(ToView(it->key()), ToView(it->value()));
      if (!record) return std::unexpected(record.error());
      cells[StatsKeyOf(*record)].Add(*record, 1);
    }
    if (!it->status().ok()) return Failure(it->status(), "counting the records of each hour");

    rocksdb::WriteBatch batch;
    rocksdb::Status status;
    it.reset(db->NewIterator(rocksdb::ReadOptions(), stats));
    for (it->SeekToFirst(); it->Valid() && status.ok(); it->Next()) {
      if (!cells.contains(std::string(ToView(it->key())))) status = batch.Delete(stats, it->key());
    }
    if (status.ok()) status = it->status();
    for (auto entry = cells.begin(); entry != cells.end() && status.ok(); ++entry) {
      status = batch.Put(stats, entry->first, EncodeStats(entry->second));
    }
    if (status.ok()) status = batch.Put(meta, ToSlice(kHourlyStatsKey), ToSlice(kHourlyStatsVersion));
    rocksdb::WriteOptions sync;
    sync.sync = true;
    if (status.ok()) status = db->Write(sync, &batch);
    if (!status.ok()) return Failure(status, "writing the hourly stats of an older store");
    return {};
  }

  // Puts the new value of every stats cell whose records the group adds or
  // removes (`stored`: before it, `current`: after) into `batch`: each touched
  // cell is read once, changed in memory and written (or deleted at zero) once.
  // Only a leader writes cells, so reading them from the database is exact.
  Status CountHours(std::span<const std::optional<ExecutionRecord>> stored,
                    std::span<const ExecutionRecord* const> current, rocksdb::WriteBatch& batch) const {
    std::map<std::string, StatsCounters> deltas;
    for (std::size_t i = 0; i < stored.size(); ++i) {
      const ExecutionRecord* before = stored[i] ? &*stored[i] : nullptr;
      const ExecutionRecord* after = current[i];
      if (after == before) continue;
      if (before != nullptr) deltas[StatsKeyOf(*before)].Add(*before, -1);
      deltas[StatsKeyOf(*after)].Add(*after, 1);
    }
    std::erase_if(deltas, [](const auto& entry) { return entry.second.Zero(); });
    if (deltas.empty()) return {};
    std::vector<rocksdb::Slice> keys;
    keys.reserve(deltas.size());
    for (const auto& [key, delta] : deltas) keys.push_back(ToSlice(key));
    const std::size_t n = keys.size();
    std::vector<rocksdb::PinnableSlice> values(n);
    std::vector<rocksdb::Status> statuses(n);
    db->MultiGet(rocksdb::ReadOptions(), stats, n, keys.data(), values.data(), statuses.data());
    std::size_t i = 0;
    for (auto& [key, cell] : deltas) {
      if (!statuses[i].IsNotFound()) {
        if (!statuses[i].ok()) return Failure(statuses[i], "reading hourly stats");
        HourlyStat old;
        if (!DecodeStats(ToView(values[i]), old)) return Fail(ErrorCode::kInternal, Corrupt("an hourly stats cell"));
        const StatsCounters counters = CountersOf(old);
        cell.executions += counters.executions;
        for (std::size_t bin = 0; bin < kDurationBins; ++bin) cell.bins[bin] += counters.bins[bin];
      }
      ++i;
      if (cell.Negative()) {
        return Fail(ErrorCode::kInternal,
                    fmt::format("rocksdb store {}: an hourly stats cell has fewer executions than its records", path));
      }
      const rocksdb::Status status = cell.Zero() ? batch.Delete(stats, key) : batch.Put(stats, key, EncodeStats(cell));
      if (!status.ok()) return Failure(status, "building a write batch");
    }
    return {};
  }

  Result<std::uint64_t> CountOf(const rocksdb::Iterator& it) const {
    std::string_view value = ToView(it.value());
    const std::optional<std::uint64_t> count = ReadVarint64(value);
    if (!count || !value.empty() || *count == 0) {
      return Fail(ErrorCode::kInternal, Corrupt(fmt::format("count of agent {}", Quoted(ToView(it.key())))));
    }
    return *count;
  }

  // Puts the new count of every agent whose records the group adds or
  // removes (`stored`: before it, `current`: after) into `batch`. Entries of
  // new agents are made now, at 0, so that nothing allocates once the batch
  // is written; DropUnusedCounts removes those left at 0.
  Result<std::vector<CountUpdate>> CountAgents(std::span<const std::optional<ExecutionRecord>> stored,
                                               std::span<const ExecutionRecord* const> current,
                                               rocksdb::WriteBatch& batch) {
    std::map<std::string_view, std::int64_t> deltas;
    for (std::size_t i = 0; i < stored.size(); ++i) {
      const ExecutionRecord* before = stored[i] ? &*stored[i] : nullptr;
      const ExecutionRecord* after = current[i];
      if (after == before || (before != nullptr && before->agent_name == after->agent_name)) continue;
      if (before != nullptr) --deltas[before->agent_name];
      ++deltas[after->agent_name];
    }
    std::vector<CountUpdate> updates;
    updates.reserve(deltas.size());
    for (const auto& [agent, delta] : deltas) {
      if (delta == 0) continue;
      updates.push_back({agent_counts.try_emplace(std::string(agent), 0).first, 0});
      CountUpdate& update = updates.back();
      const std::uint64_t count = update.entry->second;
      if (delta < 0 && count < static_cast<std::uint64_t>(-delta)) {
        DropUnusedCounts(updates);
        return Fail(ErrorCode::kInternal, fmt::format("rocksdb store {}: agent {} has more records than its count {}",
                                                      path, Quoted(agent), count));
      }
      update.count = count + static_cast<std::uint64_t>(delta);
      const rocksdb::Status status = update.count == 0 ? batch.Delete(agents, ToSlice(agent))
                                                       : batch.Put(agents, ToSlice(agent), EncodeCount(update.count));
      if (!status.ok()) {
        DropUnusedCounts(updates);
        return Failure(status, "building a write batch");
      }
    }
    return updates;
  }

  void DropUnusedCounts(std::span<const CountUpdate> updates) {
    for (const CountUpdate& update : updates) {
      if (update.entry->second == 0) agent_counts.erase(update.entry);
    }
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

  std::string Corrupt(std::string_view what) const {
    return fmt::format("rocksdb store {}: {} is corrupt", path, what);
  }
};

struct RocksDbStore::Writer {
  std::span<const ExecutionRecord> candidates;
  std::vector<ApplyOutcome> outcomes;  // Written by the leader.
  Status status;                       // Written by the leader.
  bool done = false;                   // Guarded by Rep::mu.
  std::condition_variable cv;
};

RocksDbStore::RocksDbStore(std::unique_ptr<Rep> rep) : rep_(std::move(rep)) {}

RocksDbStore::~RocksDbStore() = default;

std::string RocksDbStore::ReadOnlyMessage() const {
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
  if (options.create_if_missing) {
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
  rep->feed_capacity = std::max<std::uint64_t>(1, options.change_feed_capacity);
  rep->feed_trim_step = std::max<std::uint64_t>(1, rep->feed_capacity / 8);

  rocksdb::DBOptions db_options;
  db_options.create_if_missing = options.create_if_missing;
  db_options.create_missing_column_families = true;
  if (options.env != nullptr) db_options.env = options.env;
  // Records and index entries are written together, so their memtables fill
  // together; this bounds the WAL when one family flushes before the other.
  db_options.max_total_wal_size = std::uint64_t{256} << 20;
  db_options.bytes_per_sync = std::uint64_t{1} << 20;
  db_options.info_log = NewDiagnosticsLogger(options.diagnostics);

  auto cache = rocksdb::NewLRUCache(options.block_cache_bytes);
  std::vector<rocksdb::ColumnFamilyDescriptor> families = {
      {rocksdb::kDefaultColumnFamilyName, FamilyOptions(cache, /*point_lookups=*/false)},
      {kRecordsFamily, FamilyOptions(cache, /*point_lookups=*/true)},
      {kIndexFamily, FamilyOptions(cache, /*point_lookups=*/false)},
      // Created in a store written before the change feed and agent counts.
      {kChangesFamily, FamilyOptions(cache, /*point_lookups=*/false)},
      {kAgentsFamily, FamilyOptions(cache, /*point_lookups=*/false)},
      // Created in a store written before the hourly stats.
      {kStatsFamily, FamilyOptions(cache, /*point_lookups=*/false)},
  };
  if (auto removed = RemoveEmptyWalFiles(options.path); !removed) return std::unexpected(removed.error());
  rocksdb::DB* db = nullptr;
  rocksdb::Status status = rocksdb::DB::Open(db_options, options.path, families, &rep->handles, &db);
  if (status.IsNoSpace() && options.read_only_when_full) {
    // A read-write open writes a new WAL, MANIFEST and OPTIONS file; a
    // read-only one writes nothing, so the index still answers queries.
    status = rocksdb::DB::OpenForReadOnly(db_options, options.path, families, &rep->handles, &db);
    rep->read_only = status.ok();
  }
  if (!status.ok()) return rep->Failure(status, "open");
  rep->db.reset(db);
  rep->meta = rep->handles[0];
  rep->records = rep->handles[1];
  rep->index = rep->handles[2];
  rep->changes = rep->handles[3];
  rep->agents = rep->handles[4];
  rep->stats = rep->handles[5];

  if (auto loaded = rep->LoadMeta(); !loaded) return std::unexpected(loaded.error());
  if (auto loaded = rep->LoadFeed(); !loaded) return std::unexpected(loaded.error());
  if (auto loaded = rep->LoadAgentCounts(); !loaded) return std::unexpected(loaded.error());
  if (auto loaded = rep->LoadHourlyStats(); !loaded) return std::unexpected(loaded.error());
  return std::unique_ptr<RocksDbStore>(new RocksDbStore(std::move(rep)));
}

Result<std::vector<ApplyOutcome>> RocksDbStore::Apply(std::span<const ExecutionRecord> candidates, const Deadline&,
                                                      KnownOutcomes*) {
  if (candidates.empty()) return std::vector<ApplyOutcome>();
  if (rep_->read_only) return Fail(ErrorCode::kUnavailable, ReadOnlyMessage());
  Writer self;
  self.candidates = candidates;

  std::unique_lock lock(rep_->mu);
  rep_->writers.push_back(&self);
  self.cv.wait(lock, [&] { return self.done || rep_->writers.front() == &self; });
  if (!self.done) {
    // Leader: commit everyone queued so far, up to the group limit.
    std::vector<Writer*> group;
    std::size_t total = 0;
    for (Writer* writer : rep_->writers) {
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
  if (!self.status) return std::unexpected(std::move(self.status.error()));
  return std::move(self.outcomes);
}

Status RocksDbStore::CommitGroup(std::span<Writer* const> group) {
  if (auto resumed = rep_->ResumeWrites(); !resumed) return resumed;

  // The distinct executions of the group, each read once.
  std::unordered_map<std::string_view, std::size_t> slot_of;
  std::vector<std::string_view> arns;
  for (const Writer* writer : group) {
    for (const ExecutionRecord& candidate : writer->candidates) {
      if (slot_of.try_emplace(candidate.execution_arn, arns.size()).second) {
        arns.push_back(candidate.execution_arn);
      }
    }
  }
  std::vector<std::optional<ExecutionRecord>> stored;
  if (auto read = rep_->ReadRecords(rocksdb::ReadOptions(), arns, stored); !read) return read;

  // Merge in queue order, each candidate against the newest record so far;
  // every candidate that wins is a change of the feed.
  std::vector<const ExecutionRecord*> changed;
  std::vector<const ExecutionRecord*> current(arns.size());
  for (std::size_t i = 0; i < arns.size(); ++i) current[i] = stored[i] ? &*stored[i] : nullptr;
  for (Writer* writer : group) {
    writer->outcomes.clear();
    writer->outcomes.reserve(writer->candidates.size());
    for (const ExecutionRecord& candidate : writer->candidates) {
      const ExecutionRecord*& newest = current[slot_of[candidate.execution_arn]];
      if (Supersedes(candidate, newest)) {
        newest = &candidate;
        changed.push_back(&candidate);
        writer->outcomes.push_back(ApplyOutcome::kIndexed);
      } else {
        writer->outcomes.push_back(ApplyOutcome::kUnchanged);
      }
    }
  }

  // The changed records, and their index entries: index values are the
  // record too (covering), so every entry is rewritten; entries whose key
  // changed (status, agent, startDate) move. No key occurs twice (each
  // execution once, and index keys hold the executionArn), so the order of
  // the writes is free: each family's go in key order. RocksDB's memtable
  // keeps the search path of its last insert, so a key next to the previous
  // one costs a short walk instead of a search from the top of the skiplist
  // (new executions' index keys all sit at the front of their ranges).
  std::vector<std::string> values(arns.size());
  std::vector<std::size_t> changed_slots;
  struct IndexWrite {
    std::string key;
    const std::string* value;  // nullptr: a Delete.
  };
  std::vector<IndexWrite> index_writes;
  for (std::size_t i = 0; i < arns.size(); ++i) {
    const ExecutionRecord* before = stored[i] ? &*stored[i] : nullptr;
    const ExecutionRecord* after = current[i];
    if (after == before) continue;
    EncodeRecordValue(*after, values[i]);
    changed_slots.push_back(i);
    auto new_keys = IndexKeysOf(*after);
    if (before != nullptr) {
      auto old_keys = IndexKeysOf(*before);
      for (std::size_t shape = 0; shape < kIndexShapeCount; ++shape) {
        if (old_keys[shape] != new_keys[shape]) index_writes.push_back({std::move(old_keys[shape]), nullptr});
      }
    }
    for (std::string& key : new_keys) index_writes.push_back({std::move(key), &values[i]});
  }
  std::sort(changed_slots.begin(), changed_slots.end(),
            [&arns](std::size_t a, std::size_t b) { return arns[a] < arns[b]; });
  std::sort(index_writes.begin(), index_writes.end(),
            [](const IndexWrite& a, const IndexWrite& b) { return a.key < b.key; });

  rocksdb::WriteBatch batch;
  rocksdb::Status status;
  for (std::size_t i = 0; i < changed_slots.size() && status.ok(); ++i) {
    status = batch.Put(rep_->records, ToSlice(arns[changed_slots[i]]), values[changed_slots[i]]);
  }
  for (std::size_t i = 0; i < index_writes.size() && status.ok(); ++i) {
    const IndexWrite& write = index_writes[i];
    status = write.value != nullptr ? batch.Put(rep_->index, write.key, *write.value)
                                    : batch.Delete(rep_->index, write.key);
  }
  if (!status.ok()) return rep_->Failure(status, "building a write batch");
  if (changed.empty()) return {};

  if (auto hours = rep_->CountHours(stored, current, batch); !hours) return hours;
  auto counts = rep_->CountAgents(stored, current, batch);
  if (!counts) return std::unexpected(counts.error());
  const std::uint64_t first_sequence = rep_->next_sequence;
  const std::uint64_t next_sequence = first_sequence + changed.size();
  std::string value;
  for (std::size_t i = 0; i < changed.size() && status.ok(); ++i) {
    value.clear();
    EncodeChangeValue(*changed[i], value);
    status = batch.Put(rep_->changes, SequenceKey(first_sequence + i), value);
  }
  // Trims in steps, not every batch: each step is one range tombstone.
  std::uint64_t feed_start = rep_->feed_start;
  if (next_sequence - feed_start > rep_->feed_capacity + rep_->feed_trim_step) {
    feed_start = next_sequence - rep_->feed_capacity;
    if (status.ok()) status = batch.DeleteRange(rep_->changes, SequenceKey(rep_->feed_start), SequenceKey(feed_start));
    if (status.ok()) status = batch.Put(rep_->changes, ToSlice(kFeedStartKey), SequenceKey(feed_start));
  }
  if (!status.ok()) return rep_->Failure(status, "building a write batch");

  status = rep_->db->Write(rep_->write_options, &batch);
  // A failed batch may still reappear after a reopen: its sequences are
  // never handed out again in this process.
  rep_->next_sequence = next_sequence;
  if (!status.ok()) {
    rep_->write_failed_for_space = status.IsNoSpace();
    rep_->resume_before_write = true;
    rep_->DropUnusedCounts(*counts);
    return rep_->Failure(status, "writing records");
  }
  rep_->feed_start = feed_start;
  for (const Rep::CountUpdate& update : *counts) update.entry->second = update.count;
  rep_->DropUnusedCounts(*counts);
  return {};
}

Result<std::vector<ExecutionRecord>> RocksDbStore::Scan(const ScanRequest& request) {
  // A page comes from the index alone: its values are the records (covering).
  // Measured at 1M executions (20 agents, page of 51, warm cache, 2 shared
  // cores), against empty index values plus one MultiGet of the records:
  // p50 56-113 us instead of 204-717 us and p99 111-212 us instead of
  // 344-1232 us (the MultiGet touches one records block per item, the index
  // holds the page's items together), for 307 instead of 191 bytes per
  // execution on disk and longer compactions.
  std::vector<ExecutionRecord> out;
  const IndexRange range = IndexRangeOf(request);
  if (request.limit == 0 || range.Empty()) return out;

  const rocksdb::Slice lower(range.lower);
  const rocksdb::Slice upper(range.upper);
  rocksdb::ReadOptions options;
  options.iterate_lower_bound = &lower;
  options.iterate_upper_bound = &upper;
  std::unique_ptr<rocksdb::Iterator> it(rep_->db->NewIterator(options, rep_->index));
  out.reserve(std::min<std::size_t>(request.limit, kMaxMaxResults + 1));
  // The bounds hold the whole range, cursor included, so the first entry is
  // a seek to either end of them. Keys are newest first: the History page's
  // order is a forward scan.
  const bool newest_first = request.order == SortOrder::kDesc;
  if (newest_first) {
    it->SeekToFirst();
  } else {
    it->SeekToLast();
  }
  // Stops at the limit without stepping further: no entry is read in vain.
  IndexPosition position;
  while (it->Valid()) {
    if (!ParseIndexKey(ToView(it->key()), range.prefix.size(), position)) {
      return Fail(ErrorCode::kInternal, fmt::format("rocksdb store {}: malformed index key", rep_->path));
    }
    auto record = DecodeRecordValue(position.execution_arn, ToView(it->value()));
    if (!record) return std::unexpected(record.error());
    if (record->start_date != position.start_date) {
      return Fail(ErrorCode::kInternal, fmt::format("rocksdb store {}: index entry of {} disagrees with its record",
                                                    rep_->path, Quoted(position.execution_arn)));
    }
    out.push_back(std::move(*record));
    if (out.size() == request.limit) break;
    if (newest_first) {
      it->Next();
    } else {
      it->Prev();
    }
  }
  if (!it->status().ok()) return rep_->Failure(it->status(), "scanning the index");
  return out;
}

Result<std::optional<ExecutionRecord>> RocksDbStore::Get(std::string_view execution_arn) {
  rocksdb::PinnableSlice value;
  const rocksdb::Status status = rep_->db->Get(rocksdb::ReadOptions(), rep_->records, ToSlice(execution_arn), &value);
  if (status.IsNotFound()) return std::optional<ExecutionRecord>();
  if (!status.ok()) return rep_->Failure(status, "reading a record");
  auto record = DecodeRecordValue(execution_arn, ToView(value));
  if (!record) return std::unexpected(record.error());
  return std::optional<ExecutionRecord>(std::move(*record));
}

Result<std::string> RocksDbStore::PageTokenSecret() {
  return rep_->secret;
}

Result<ChangeRange> RocksDbStore::ReadChanges(std::uint64_t after, std::size_t limit) {
  // One iterator reads one implicit snapshot: its bounds and its changes
  // agree, and batches show whole, so no sequence shows before a lower one.
  std::unique_ptr<rocksdb::Iterator> it(rep_->db->NewIterator(rocksdb::ReadOptions(), rep_->changes));
  auto bounds = rep_->FeedBounds(*it);
  if (!bounds) return std::unexpected(bounds.error());
  const auto [first, latest] = *bounds;
  ChangeRange range;
  range.latest = latest;
  range.missed = after < first - 1;
  if (limit == 0 || after >= latest) return range;

  range.changes.reserve(std::min<std::uint64_t>({limit, latest - after, 1024}));
  for (it->Seek(SequenceKey(std::max(after + 1, first))); it->Valid() && range.changes.size() < limit; it->Next()) {
    if (it->key().size() != kSequenceBytes) return Fail(ErrorCode::kInternal, rep_->Corrupt("change feed key"));
    const std::uint64_t sequence = SequenceOf(ToView(it->key()));
    auto record = DecodeChangeValue(sequence, ToView(it->value()));
    if (!record) return std::unexpected(record.error());
    range.changes.push_back(RecordChange{sequence, std::move(*record)});
  }
  if (!it->status().ok()) return rep_->Failure(it->status(), "reading the change feed");
  return range;
}

Result<std::vector<AgentSummary>> RocksDbStore::ListAgents() {
  std::vector<AgentSummary> out;
  std::unique_ptr<rocksdb::Iterator> it(rep_->db->NewIterator(rocksdb::ReadOptions(), rep_->agents));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    auto count = rep_->CountOf(*it);
    if (!count) return std::unexpected(count.error());
    out.push_back(AgentSummary{std::string(ToView(it->key())), *count});
  }
  if (!it->status().ok()) return rep_->Failure(it->status(), "reading the agent counts");
  return out;
}

Result<std::vector<HourlyStat>> RocksDbStore::ReadHourlyStats(const StatsRequest& request) {
  std::vector<HourlyStat> out;
  if (request.from_hour >= request.to_hour) return out;
  // One snapshot for the agents and their cells: they agree.
  rocksdb::ManagedSnapshot snapshot(rep_->db.get());
  rocksdb::ReadOptions options;
  options.snapshot = snapshot.snapshot();
  std::vector<std::string> agents;
  if (request.agent_name) {
    agents.push_back(*request.agent_name);
  } else {
    // Every agent with records has an entry in the agents family.
    std::unique_ptr<rocksdb::Iterator> it(rep_->db->NewIterator(options, rep_->agents));
    for (it->SeekToFirst(); it->Valid(); it->Next()) agents.emplace_back(ToView(it->key()));
    if (!it->status().ok()) return rep_->Failure(it->status(), "reading the agents");
  }
  for (const std::string& agent : agents) {
    // One range per agent: [agent | from_hour, agent | to_hour).
    const std::string prefix = StatsPrefix(agent);
    const std::string lower_key = prefix + HourBytes(request.from_hour);
    const std::string upper_key = prefix + HourBytes(request.to_hour);
    const rocksdb::Slice lower(lower_key);
    const rocksdb::Slice upper(upper_key);
    rocksdb::ReadOptions range = options;
    range.iterate_lower_bound = &lower;
    range.iterate_upper_bound = &upper;
    std::unique_ptr<rocksdb::Iterator> it(rep_->db->NewIterator(range, rep_->stats));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      const std::string_view key = ToView(it->key());
      if (key.size() != prefix.size() + kSequenceBytes + 1) {
        return Fail(ErrorCode::kInternal, rep_->Corrupt("an hourly stats key"));
      }
      const auto status_byte = static_cast<std::uint8_t>(key.back());
      if (status_byte >= kAllStatuses.size()) return Fail(ErrorCode::kInternal, rep_->Corrupt("an hourly stats key"));
      const auto status = static_cast<ExecutionStatus>(status_byte);
      if (request.status && status != *request.status) continue;
      HourlyStat stat;
      stat.hour = HourOf(key.substr(prefix.size(), kSequenceBytes));
      stat.agent_name = agent;
      stat.status = status;
      if (!DecodeStats(ToView(it->value()), stat)) return Fail(ErrorCode::kInternal, rep_->Corrupt("an hourly stats cell"));
      out.push_back(std::move(stat));
    }
    if (!it->status().ok()) return rep_->Failure(it->status(), "reading hourly stats");
  }
  std::sort(out.begin(), out.end(), [](const HourlyStat& a, const HourlyStat& b) {
    return std::tie(a.hour, a.agent_name, a.status) < std::tie(b.hour, b.agent_name, b.status);
  });
  return out;
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
    if (!status.ok()) return rep_->Failure(status, "compacting");
  }
  return {};
}

}  // namespace exidx
