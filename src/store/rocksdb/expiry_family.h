// The expiry family: one empty entry per record that has a ttl, keyed
//   8 bytes: ttl (epoch seconds) as key_coding.h orders an int64, oldest first
//   executionArn
// so that the records expired by a time are exactly one range at the front
// of the family: RocksDbStore::DeleteExpired reads those keys and the records
// they name, nothing else. Meta "expiry" (1 byte) says the entries are
// complete: a store written before they existed gets them at its first open,
// from the shared scan of the records.
//
// Deleting from the front, as a queue does, leaves tombstones that every
// iterator from the start would step over until compaction drops them; the
// leader therefore remembers where the last sweep stopped and starts the next
// one there (lowered again when a write puts an entry before it).
#pragma once

#include <atomic>
#include <cstddef>
#include <string>
#include <vector>

#include "core/retention.h"
#include "store/rocksdb/derived_family.h"

namespace exidx {

class ExpiryFamily final : public DerivedFamily {
 public:
  explicit ExpiryFamily(FamilyHandle handle) : DerivedFamily(handle) {}

  std::optional<FamilyLayout> Layout() const override;
  // Notes whether the family has entries.
  Status Load() override;
  Status Rebuild(const ExecutionRecord& record, std::string_view value, rocksdb::WriteBatch& batch) override;
  Status FinishRebuild(rocksdb::WriteBatch&) override { return {}; }
  // An entry moves when a record's ttl changes, and goes with its record.
  Status Stage(const GroupChanges& group, rocksdb::WriteBatch& batch) override;
  void Settle(BatchFate) override {}

  struct Expired {
    std::string key;
    std::string execution_arn;
    EpochSeconds ttl = 0;
  };
  // Leader only: up to `limit` entries with ttl <= now, oldest ttl first.
  Result<std::vector<Expired>> Due(EpochSeconds now, std::size_t limit) const;
  // Leader only, once the batch that deleted the records of `swept` (the
  // front of what Due returned) is written: the next sweep starts after it.
  void SweptThrough(const Expired& last);

  // False only while no record of the store has ever had a ttl since it was
  // opened: reads then need not look for expired records. Any thread.
  bool MayHaveEntries() const { return may_have_entries_.load(std::memory_order_acquire); }

 private:
  std::string sweep_from_;  // Leader only: no entry is before it ("": the start).
  std::atomic<bool> may_have_entries_{false};
};

}  // namespace exidx
