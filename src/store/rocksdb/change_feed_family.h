// The change feed family: 8-byte big-endian sequence -> varint length +
// executionArn + the record's value (record_codec.h), one entry per
// candidate that changed a record, in apply order; and under the empty key,
// 8-byte big-endian, the first sequence not yet trimmed (absent: 1). The
// feed keeps at least the newest `capacity` changes: when it holds an eighth
// more, the oldest go in one DeleteRange, with the new first sequence.
//
// Only the leader numbers changes: since RocksDB makes batches visible whole
// and in write order, a reader never sees a sequence before the ones below
// it. Sequences are dense but for a failed write, whose numbers are skipped,
// not reused. A store written before the feed has an empty one.
//
// Deleting an expired record (RocksDbStore::DeleteExpired) adds no change and
// removes none: the store's ReadChanges drops the changes of executions whose
// record is gone or expired when it reads them, so the feed never shows them,
// and trimming removes them in time, as it removes every change.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <utility>

#include "store/execution_store.h"
#include "store/rocksdb/derived_family.h"

namespace rocksdb {
class Iterator;
}  // namespace rocksdb

namespace exidx {

class ChangeFeedFamily final : public DerivedFamily {
 public:
  // Values of `capacity` below 1 count as 1.
  ChangeFeedFamily(FamilyHandle handle, std::uint64_t capacity);

  std::optional<FamilyLayout> Layout() const override { return std::nullopt; }
  // Finds where the feed starts and ends.
  Status Load() override;
  Status Rebuild(const ExecutionRecord&, std::string_view, rocksdb::WriteBatch&) override { return {}; }
  Status FinishRebuild(rocksdb::WriteBatch&) override { return {}; }
  Status Stage(const GroupChanges& group, rocksdb::WriteBatch& batch) override;
  void Settle(BatchFate fate) override;

  // Erases from a run of changes those a reader must not see.
  using ChangeFilter = std::function<Status(std::vector<RecordChange>& changes)>;

  // ExecutionStore::ReadChanges: one consistent state of the feed, without
  // the changes `keep` erases (empty: all kept); `latest` and `missed` are
  // the feed's whatever it erased.
  Result<ChangeRange> Read(std::uint64_t after, std::size_t limit, const ChangeFilter& keep = {}) const;

 private:
  // The first sequence kept and the newest one (0: none) as `it` sees them.
  Result<std::pair<std::uint64_t, std::uint64_t>> Bounds(rocksdb::Iterator& it) const;

  std::uint64_t capacity_;
  std::uint64_t trim_step_;  // Trimming waits until this many more than the capacity.
  // Leader only. They describe the feed as written so far.
  std::uint64_t next_sequence_ = 1;
  std::uint64_t start_ = 1;  // Changes below it are trimmed.
  // What the staged batch makes of them.
  std::uint64_t staged_next_sequence_ = 1;
  std::uint64_t staged_start_ = 1;
};

}  // namespace exidx
