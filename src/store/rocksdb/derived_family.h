// DerivedFamily: a column family whose entries are derived from the records
// (the index, the change feed, the agent counts, the hourly stats), and the
// few verbs through which the store opens, rebuilds and commits to each. A
// new derived family is one class implementing them, plus one line in
// RocksDbStore::Open that registers it.
//
// The store calls a family only from one thread at a time: at open, and
// then from the leader of the group commit, each hand-over of the lead going
// through a mutex. Its read methods (each family's own) may run on any
// thread at the same time as that.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/error.h"
#include "core/record.h"
#include "store/rocksdb/group_merge.h"

namespace rocksdb {
class ColumnFamilyHandle;
class DB;
class WriteBatch;
}  // namespace rocksdb

namespace exidx {

// Where a family lives. Not owned: the store outlives its families.
struct FamilyHandle {
  rocksdb::DB* db = nullptr;
  rocksdb::ColumnFamilyHandle* family = nullptr;
  std::string_view path;  // The store's directory, for messages.
};

// The version of a family's layout, kept in the store's meta family under
// `meta_key`. When it is absent, or is `rebuilds_from`, the family's entries
// are not complete or not current (the store was written by a build before
// the family, or before its layout): at open, the store drops them and
// writes them again from the records, and writes `version` last. Any other
// version stops the open with kInternal.
struct FamilyLayout {
  std::string_view description;  // For messages: "agent counts".
  std::string_view meta_key;
  std::string_view version;
  std::string_view rebuilds_from;  // An older version rebuilt at open ("": none).
};

// What one group commit changes, as every family sees it.
struct GroupChanges {
  // Each execution once, executionArn order. A replacement whose `after` is
  // nullptr deletes the record: every family removes what it derived from
  // `before`, and the group has no change of it.
  std::span<const Replacement> replaced;
  // values[i]: the encoding (record_codec.h) of replaced[i].after; empty for a deletion.
  std::span<const std::string> values;
  std::span<const ExecutionRecord* const> changes;  // Apply order (MergedGroup).
};

// What became of a batch a family staged its entries in.
enum class BatchFate {
  kWritten,
  kWriteFailed,  // RocksDB refused it; a failed fsync may still bring it back at a reopen.
  kNotWritten,   // Another family failed to stage, so it was never written.
};

class DerivedFamily {
 public:
  virtual ~DerivedFamily() = default;
  DerivedFamily(const DerivedFamily&) = delete;
  DerivedFamily& operator=(const DerivedFamily&) = delete;

  const FamilyHandle& handle() const { return handle_; }

  // nullopt: the family has no layout version and starts empty in a store
  // written before it (the change feed: history cannot be rebuilt).
  virtual std::optional<FamilyLayout> Layout() const = 0;

  // At open, once the family is complete and current: loads what it keeps in
  // memory.
  virtual Status Load() { return {}; }

  // Rebuild, in one scan of the records shared by every family rebuilt: the
  // store has dropped the family's entries; it calls Rebuild for every
  // record (`value`: its current encoding), writing `batch` now and then, then
  // FinishRebuild, and puts the layout's version in the same last batch.
  virtual Status Rebuild(const ExecutionRecord& record, std::string_view value, rocksdb::WriteBatch& batch) = 0;
  virtual Status FinishRebuild(rocksdb::WriteBatch& batch) = 0;

  // Group commit: puts the family's share of `group` into `batch`, which
  // already holds the records. It may read its own entries: only the leader
  // writes them.
  virtual Status Stage(const GroupChanges& group, rocksdb::WriteBatch& batch) = 0;
  // After Stage returned ok: what became of the batch.
  virtual void Settle(BatchFate fate) = 0;

 protected:
  explicit DerivedFamily(FamilyHandle handle) : handle_(handle) {}

  const FamilyHandle handle_;
};

}  // namespace exidx
