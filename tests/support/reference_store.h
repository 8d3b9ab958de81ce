// ReferenceStore: a brute-force ExecutionStore for tests. It keeps every record
// in a map and answers Scan by filtering and sorting all of them, so that its
// answers are obviously right; the real stores are checked against it.
#pragma once

#include <map>
#include <mutex>

#include "store/execution_store.h"

namespace exidx::testing {

class ReferenceStore final : public ExecutionStore {
 public:
  using ExecutionStore::Apply;
  // All or nothing; `deadline` is not consulted.
  Result<std::vector<ApplyOutcome>> Apply(std::span<const ExecutionRecord> candidates, const Deadline& deadline,
                                          KnownOutcomes* known) override;
  Result<std::vector<ExecutionRecord>> Scan(const ScanRequest& request) override;
  Result<std::optional<ExecutionRecord>> Get(std::string_view execution_arn) override;
  Result<std::string> PageTokenSecret() override { return std::string(32, 's'); }
  Result<ChangeRange> ReadChanges(std::uint64_t after, std::size_t limit) override;
  Result<std::vector<AgentSummary>> ListAgents() override;
  // Brute force: groups every stored record.
  Result<std::vector<HourlyStat>> ReadHourlyStats(const StatsRequest& request) override;
  Result<std::optional<std::string>> ReadCheckpoint(std::string_view name) override;
  Status WriteCheckpoint(std::string_view name, std::string_view value) override;
  Result<std::optional<TagCacheEntry>> ReadTagEntry(std::string_view state_machine_arn,
                                                    const Deadline& deadline) override;
  Result<bool> SwapTagEntry(std::string_view state_machine_arn, std::uint64_t expected_version,
                            const TagCacheEntry& desired, const Deadline& deadline) override;

  // Every record matching `filter`, in `order`: the whole answer of a query.
  std::vector<ExecutionRecord> All(const ExecutionFilter& filter, SortOrder order);

 private:
  std::mutex mu_;
  std::map<std::string, ExecutionRecord, std::less<>> records_;
  std::vector<RecordChange> changes_;  // Every change, never trimmed.
  std::map<std::string, std::string, std::less<>> checkpoints_;
  std::map<std::string, TagCacheEntry, std::less<>> tag_entries_;
};

}  // namespace exidx::testing
