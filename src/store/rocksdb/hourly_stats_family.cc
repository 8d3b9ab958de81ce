#include "store/rocksdb/hourly_stats_family.h"

#include <fmt/format.h>
#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <memory>
#include <tuple>

#include "store/rocksdb/key_coding.h"
#include "store/rocksdb/rocksdb_support.h"

namespace exidx {
namespace {

using Counters = HourlyStatsFamily::Counters;

std::string StatsPrefix(std::string_view agent) {
  std::string key;
  AppendLengthPrefixed(key, agent);
  return key;
}

std::string StatsKeyOf(const ExecutionRecord& record) {
  std::string key = StatsPrefix(record.agent_name);
  // The hour of a record's cell, computed exactly as the contract's reference does.
  AppendMillisOldestFirst(key, record.start_date - record.start_date % kMillisPerHour);
  key.push_back(static_cast<char>(record.status));
  return key;
}

std::string EncodeStats(const Counters& cell) {
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

Counters CountersOf(const HourlyStat& stat) {
  Counters cell;
  cell.executions = static_cast<std::int64_t>(stat.executions);
  for (const auto& [bin, n] : stat.durations) cell.bins[bin] = static_cast<std::int64_t>(n);
  return cell;
}

}  // namespace

void Counters::Add(const ExecutionRecord& record, std::int64_t sign) {
  executions += sign;
  if (auto seconds = DurationSeconds(record)) bins[DurationBin(*seconds)] += sign;
}

void Counters::Add(const Counters& other) {
  executions += other.executions;
  for (std::size_t bin = 0; bin < kDurationBins; ++bin) bins[bin] += other.bins[bin];
}

bool Counters::Zero() const {
  return executions == 0 && std::all_of(bins.begin(), bins.end(), [](std::int64_t n) { return n == 0; });
}

bool Counters::Negative() const {
  return executions < 0 || std::any_of(bins.begin(), bins.end(), [](std::int64_t n) { return n < 0; });
}

std::optional<FamilyLayout> HourlyStatsFamily::Layout() const {
  return FamilyLayout{"hourly stats", "hourly_stats", "\x01", ""};
}

Status HourlyStatsFamily::Rebuild(const ExecutionRecord& record, std::string_view, rocksdb::WriteBatch&) {
  rebuilt_[StatsKeyOf(record)].Add(record, 1);
  return {};
}

Status HourlyStatsFamily::FinishRebuild(rocksdb::WriteBatch& batch) {
  for (const auto& [key, cell] : rebuilt_) {
    const rocksdb::Status status = batch.Put(handle_.family, key, EncodeStats(cell));
    if (!status.ok()) return StoreFailure(handle_.path, status, "writing the hourly stats of an older store");
  }
  rebuilt_.clear();
  return {};
}

Status HourlyStatsFamily::Stage(const GroupChanges& group, rocksdb::WriteBatch& batch) {
  std::map<std::string, Counters> deltas;
  for (const Replacement& replacement : group.replaced) {
    if (replacement.before != nullptr) deltas[StatsKeyOf(*replacement.before)].Add(*replacement.before, -1);
    if (replacement.after != nullptr) deltas[StatsKeyOf(*replacement.after)].Add(*replacement.after, 1);
  }
  std::erase_if(deltas, [](const auto& entry) { return entry.second.Zero(); });
  if (deltas.empty()) return {};
  std::vector<rocksdb::Slice> keys;
  keys.reserve(deltas.size());
  for (const auto& [key, delta] : deltas) keys.push_back(ToSlice(key));
  const std::size_t n = keys.size();
  std::vector<rocksdb::PinnableSlice> values(n);
  std::vector<rocksdb::Status> statuses(n);
  // Only the leader writes cells, so reading them from the database is exact.
  handle_.db->MultiGet(rocksdb::ReadOptions(), handle_.family, n, keys.data(), values.data(), statuses.data());
  std::size_t i = 0;
  for (auto& [key, cell] : deltas) {
    if (!statuses[i].IsNotFound()) {
      if (!statuses[i].ok()) return StoreFailure(handle_.path, statuses[i], "reading hourly stats");
      HourlyStat old;
      if (!DecodeStats(ToView(values[i]), old)) return StoreCorrupt(handle_.path, "an hourly stats cell");
      cell.Add(CountersOf(old));
    }
    ++i;
    if (cell.Negative()) {
      return Fail(ErrorCode::kInternal, fmt::format("rocksdb store {}: an hourly stats cell has fewer executions "
                                                    "than its records",
                                                    handle_.path));
    }
    const rocksdb::Status status =
        cell.Zero() ? batch.Delete(handle_.family, key) : batch.Put(handle_.family, key, EncodeStats(cell));
    if (!status.ok()) return StoreFailure(handle_.path, status, "building a write batch");
  }
  return {};
}

Result<std::vector<HourlyStat>> HourlyStatsFamily::Read(const StatsRequest& request,
                                                        const rocksdb::ReadOptions& options,
                                                        std::span<const std::string> agents) const {
  std::vector<HourlyStat> out;
  for (const std::string& agent : agents) {
    // One range per agent: [agent | from_hour, agent | to_hour).
    const std::string prefix = StatsPrefix(agent);
    std::string lower_key = prefix;
    AppendMillisOldestFirst(lower_key, request.from_hour);
    std::string upper_key = prefix;
    AppendMillisOldestFirst(upper_key, request.to_hour);
    const rocksdb::Slice lower(lower_key);
    const rocksdb::Slice upper(upper_key);
    rocksdb::ReadOptions range = options;
    range.iterate_lower_bound = &lower;
    range.iterate_upper_bound = &upper;
    std::unique_ptr<rocksdb::Iterator> it(handle_.db->NewIterator(range, handle_.family));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      const std::string_view key = ToView(it->key());
      if (key.size() != prefix.size() + kFixed64Bytes + 1) return StoreCorrupt(handle_.path, "an hourly stats key");
      const auto status_byte = static_cast<std::uint8_t>(key.back());
      if (status_byte >= kAllStatuses.size()) return StoreCorrupt(handle_.path, "an hourly stats key");
      const auto status = static_cast<ExecutionStatus>(status_byte);
      if (request.status && status != *request.status) continue;
      HourlyStat stat;
      stat.hour = ReadMillisOldestFirst(key.substr(prefix.size(), kFixed64Bytes));
      stat.agent_name = agent;
      stat.status = status;
      if (!DecodeStats(ToView(it->value()), stat)) return StoreCorrupt(handle_.path, "an hourly stats cell");
      out.push_back(std::move(stat));
    }
    if (!it->status().ok()) return StoreFailure(handle_.path, it->status(), "reading hourly stats");
  }
  std::sort(out.begin(), out.end(), [](const HourlyStat& a, const HourlyStat& b) {
    return std::tie(a.hour, a.agent_name, a.status) < std::tie(b.hour, b.agent_name, b.status);
  });
  return out;
}

}  // namespace exidx
