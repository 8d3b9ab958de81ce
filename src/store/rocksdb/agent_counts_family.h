// The agent counts family: agentName -> varint count of its records, exact;
// an agent whose count reaches 0 is deleted. Meta "agent_counts" (1 byte)
// says the counts are complete: a store written before they existed gets
// them at its first open, from the shared scan of the records.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "store/execution_store.h"
#include "store/rocksdb/derived_family.h"

namespace rocksdb {
struct ReadOptions;
}  // namespace rocksdb

namespace exidx {

class AgentCountsFamily final : public DerivedFamily {
 public:
  explicit AgentCountsFamily(FamilyHandle handle) : DerivedFamily(handle) {}

  std::optional<FamilyLayout> Layout() const override;
  // Reads every count into memory: the leader updates them without a read.
  Status Load() override;
  Status Rebuild(const ExecutionRecord& record, std::string_view value, rocksdb::WriteBatch& batch) override;
  Status FinishRebuild(rocksdb::WriteBatch& batch) override;
  // Entries of new agents are made in memory now, at 0, so that nothing
  // allocates once the batch is written; Settle removes those left at 0.
  Status Stage(const GroupChanges& group, rocksdb::WriteBatch& batch) override;
  void Settle(BatchFate fate) override;

  // ExecutionStore::ListAgents: one short range read.
  Result<std::vector<AgentSummary>> List() const;
  // Every agent with records, as `options` (a snapshot) sees them.
  Result<std::vector<std::string>> Names(const rocksdb::ReadOptions& options) const;

 private:
  using Counts = std::map<std::string, std::uint64_t, std::less<>>;
  // A count to set in counts_ once its batch is written.
  struct CountUpdate {
    Counts::iterator entry;
    std::uint64_t count;
  };

  Result<std::uint64_t> CountOf(std::string_view agent, std::string_view value) const;
  void DropUnusedCounts();

  Counts counts_;  // Leader only.
  std::vector<CountUpdate> staged_;
  Counts rebuilt_;  // Open only: the counts of a rebuild.
};

}  // namespace exidx
