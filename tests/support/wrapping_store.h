// WrappingStore: an ExecutionStore that forwards every call to an inner store,
// except where a test told it otherwise:
//  - FailNext / FailEvery: a method answers an error without reaching the
//    inner store (the next `times` calls, or every call until Heal);
//  - Remove: ReadChanges, ReadHourlyStats or ListAgents answers kUnavailable
//    as ExecutionStore's defaults do, a store without that capability;
//  - TrimFeed: ReadChanges answers a feed trimmed past every reader;
//  - ApplyAtMost: Apply applies only a prefix of a longer call, reports it as
//    known, and fails, as a store that writes each execution on its own does.
// An injected failure comes first, then a removed capability, then the rest.
// It counts the calls of each method (calls), injected failures included, and
// keeps whether the last Apply's deadline was bounded.
// Owns the inner store when given a unique_ptr, and then runs `after_close`
// once it is destroyed (to remove what the store lived in).
// Thread-safe as the inner store is; the knobs may be turned at any time.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "store/execution_store.h"

namespace exidx::testing {

class WrappingStore final : public ExecutionStore {
 public:
  enum class Method {
    kApply,
    kScan,
    kGet,
    kPageTokenSecret,
    kReadChanges,
    kReadHourlyStats,
    kListAgents,
    kWriteHealth,
    kReadCheckpoint,
    kWriteCheckpoint,
    kDeleteExpired,
    kReadTagEntry,
    kSwapTagEntry
  };
  enum class Capability { kChangeFeed, kHourlyStats, kAgentCounts };

  explicit WrappingStore(ExecutionStore& inner) : inner_(inner) {}
  WrappingStore(std::unique_ptr<ExecutionStore> owned, std::function<void()> after_close);
  ~WrappingStore() override;
  WrappingStore(const WrappingStore&) = delete;
  WrappingStore& operator=(const WrappingStore&) = delete;

  using ExecutionStore::Apply;
  Result<std::vector<ApplyOutcome>> Apply(std::span<const ExecutionRecord> candidates, const Deadline& deadline,
                                          KnownOutcomes* known) override;
  Result<std::vector<ExecutionRecord>> Scan(const ScanRequest& request) override;
  Result<std::optional<ExecutionRecord>> Get(std::string_view execution_arn) override;
  Result<std::string> PageTokenSecret() override;
  Result<ChangeRange> ReadChanges(std::uint64_t after, std::size_t limit) override;
  Result<std::vector<HourlyStat>> ReadHourlyStats(const StatsRequest& request) override;
  Result<std::vector<AgentSummary>> ListAgents() override;
  Status WriteHealth() override;
  Result<std::optional<std::string>> ReadCheckpoint(std::string_view name) override;
  Status WriteCheckpoint(std::string_view name, std::string_view value) override;
  Result<std::size_t> DeleteExpired(EpochSeconds now, std::size_t limit) override;
  Result<std::optional<TagCacheEntry>> ReadTagEntry(std::string_view state_machine_arn,
                                                    const Deadline& deadline) override;
  Result<bool> SwapTagEntry(std::string_view state_machine_arn, std::uint64_t expected_version,
                            const TagCacheEntry& desired, const Deadline& deadline) override;

  // The next `times` calls of `method` fail with `code` and `message`.
  void FailNext(Method method, int times, ErrorCode code, std::string message);
  // Every call of `method` fails so, until Heal(method).
  void FailEvery(Method method, ErrorCode code, std::string message);
  void Heal(Method method);

  void Remove(Capability capability);

  // ReadChanges answers no changes, `latest` as the newest sequence, and
  // missed = true when asked for changes after a sequence below `oldest_kept`.
  void TrimFeed(std::uint64_t latest, std::uint64_t oldest_kept);

  // Each Apply of more than `applied` candidates applies the first `applied`,
  // sets `known` to their outcomes, and fails with `code` and `message`.
  void ApplyAtMost(std::size_t applied, ErrorCode code, std::string message);

  int calls(Method method) const { return calls_[Index(method)]; }
  bool last_apply_deadline_bounded() const { return last_apply_deadline_bounded_; }

 private:
  static constexpr std::size_t kMethods = 13;
  static constexpr int kForever = -1;
  struct Failure {
    Error error;
    int left = kForever;  // Calls still to fail; kForever: all of them.
  };
  static std::size_t Index(Method method) { return static_cast<std::size_t>(method); }

  // Counts the call; the error it must answer, if any.
  std::optional<Error> Injected(Method method);
  bool Removed(Capability capability) const;

  std::unique_ptr<ExecutionStore> owned_;
  ExecutionStore& inner_;
  std::function<void()> after_close_;

  mutable std::mutex mu_;
  std::array<std::optional<Failure>, kMethods> failures_;                // GUARDED_BY(mu_)
  std::array<bool, 3> removed_{};                                        // GUARDED_BY(mu_)
  std::optional<std::pair<std::uint64_t, std::uint64_t>> trimmed_feed_;  // GUARDED_BY(mu_) (latest, oldest kept)
  std::optional<std::pair<std::size_t, Error>> apply_at_most_;           // GUARDED_BY(mu_)

  std::array<std::atomic<int>, kMethods> calls_{};
  std::atomic<bool> last_apply_deadline_bounded_{false};
};

}  // namespace exidx::testing
