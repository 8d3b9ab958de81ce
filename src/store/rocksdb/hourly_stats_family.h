// The hourly stats family: the cells of ReadHourlyStats, exact.
//   key    varint length + agentName | startDate's hour oldest first
//          (key_coding.h; hour = startDate - startDate % 3,600,000) | status byte
//   value  varint executions, varint number of bins, then (varint bin,
//          varint count) per non-empty duration bin, bins ascending
//          (duration_histogram.h; only records with a stopDate are binned)
// Agent-major: one agent's hours are one range read. A cell that reaches 0
// is deleted. Meta "hourly_stats" (1 byte) says the cells are complete: a
// store written before they existed gets them at its first open, from the
// shared scan of the records.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "store/execution_store.h"
#include "store/rocksdb/derived_family.h"

namespace rocksdb {
struct ReadOptions;
}  // namespace rocksdb

namespace exidx {

class HourlyStatsFamily final : public DerivedFamily {
 public:
  explicit HourlyStatsFamily(FamilyHandle handle) : DerivedFamily(handle) {}

  std::optional<FamilyLayout> Layout() const override;
  Status Rebuild(const ExecutionRecord& record, std::string_view value, rocksdb::WriteBatch& batch) override;
  Status FinishRebuild(rocksdb::WriteBatch& batch) override;
  // Each cell the group touches is read once, changed in memory and written
  // (or deleted at zero) once.
  Status Stage(const GroupChanges& group, rocksdb::WriteBatch& batch) override;
  void Settle(BatchFate) override {}

  // ExecutionStore::ReadHourlyStats for `agents` (every agent with records,
  // or the one the request names), one range read each, all through
  // `options` (one snapshot).
  Result<std::vector<HourlyStat>> Read(const StatsRequest& request, const rocksdb::ReadOptions& options,
                                       std::span<const std::string> agents) const;

  // A cell as counters: executions and the dense duration bins.
  struct Counters {
    std::int64_t executions = 0;
    std::array<std::int64_t, kDurationBins> bins{};

    // Adds (sign 1) or subtracts (sign -1) one record.
    void Add(const ExecutionRecord& record, std::int64_t sign);
    void Add(const Counters& other);
    bool Zero() const;
    bool Negative() const;
  };

 private:
  std::map<std::string, Counters> rebuilt_;  // Open only: the cells of a rebuild.
};

}  // namespace exidx
