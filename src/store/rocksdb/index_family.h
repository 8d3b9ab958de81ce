// The index family: one entry per filter shape per record (index_keys.h),
// newest first, whose value is the record again (covering), so that a page
// is one range read, forward for the History page's order.
//
// Its layout version is the store's format version (meta "format_version"):
// format 1 ordered index keys oldest first, format 2 newest first. A store of
// format 1 has its index written again from the records when first opened
// by this build: one scan of the records, then format 2 for good.
#pragma once

#include <vector>

#include "core/query.h"
#include "core/retention.h"
#include "store/rocksdb/derived_family.h"

namespace exidx {

class IndexFamily final : public DerivedFamily {
 public:
  explicit IndexFamily(FamilyHandle handle) : DerivedFamily(handle) {}

  std::optional<FamilyLayout> Layout() const override;
  Status Rebuild(const ExecutionRecord& record, std::string_view value, rocksdb::WriteBatch& batch) override;
  Status FinishRebuild(rocksdb::WriteBatch&) override { return {}; }
  // Every replaced record's entries are rewritten (their values are the
  // record); entries whose key changed (status, agent, startDate) move.
  Status Stage(const GroupChanges& group, rocksdb::WriteBatch& batch) override;
  void Settle(BatchFate) override {}

  // ExecutionStore::Scan: the page from the index alone, without the
  // records expired by `now` (read and stepped over until they are swept).
  Result<std::vector<ExecutionRecord>> Scan(const ScanRequest& request, EpochSeconds now) const;
};

}  // namespace exidx
