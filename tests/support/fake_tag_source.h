// FakeTagSource: a TagSource whose answers a test sets. TagsOf counts the call
// (calls) and notes the deadline it was given (deadline_bounded,
// deadline_left_ms); then waits for `hold` when it is valid, sleeps
// `delay_ms` of real time, advances a fake monotonic clock when one was given
// (AdvanceEachCall); then fails when told to (FailWith: every call, or the
// next `times` ones), else answers tags[arn], or `other_tags` for an ARN not
// in `tags`. Thread-safe once set up: set `tags`, `other_tags`, `delay_ms` and
// `hold` before the first lookup; the counters, FailWith and Recover may be
// used at any time.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>

#include "core/deadline.h"
#include "core/error.h"
#include "indexer/tag_source.h"
#include "support/fake_monotonic_clock.h"

namespace exidx::testing {

// The tags that make a state machine an agent under the default AgentRule.
inline Tags AgentTags() {
  return {{"Type", "Agent"}, {"Application", "StepFunctionsAgent"}};
}

class FakeTagSource final : public TagSource {
 public:
  static constexpr int kEveryCall = -1;

  FakeTagSource() = default;
  explicit FakeTagSource(std::map<std::string, Tags> by_arn, Tags otherwise = {})
      : tags(std::move(by_arn)), other_tags(std::move(otherwise)) {}

  Result<Tags> TagsOf(const std::string& arn, const Deadline& deadline) override {
    calls++;
    deadline_bounded = deadline.bounded();
    deadline_left_ms = deadline.Remaining().count();
    if (hold.valid()) hold.wait();
    if (delay_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    if (clock_ != nullptr) clock_->Advance(takes_);
    if (auto failure = TakeFailure()) return std::unexpected(std::move(*failure));
    auto it = tags.find(arn);
    return it == tags.end() ? other_tags : it->second;
  }

  // Fails the next `times` lookups (kEveryCall: all of them, until
  // Recover) with `code` and `message`.
  void FailWith(ErrorCode code, std::string message, int times = kEveryCall) {
    std::lock_guard lock(mu_);
    failure_ = Error{code, std::move(message)};
    failures_left_ = times;
  }
  void Recover() {
    std::lock_guard lock(mu_);
    failure_.reset();
  }

  // Each lookup takes `takes` of `clock` (which the test owns).
  void AdvanceEachCall(FakeMonotonicClock& clock, std::chrono::milliseconds takes) {
    clock_ = &clock;
    takes_ = takes;
  }

  std::map<std::string, Tags> tags;
  Tags other_tags;
  int delay_ms = 0;
  std::shared_future<void> hold;  // When valid, lookups wait for it.

  std::atomic<int> calls{0};
  std::atomic<bool> deadline_bounded{false};
  std::atomic<std::int64_t> deadline_left_ms{0};  // Of the last lookup, at its start.

 private:
  std::optional<Error> TakeFailure() {
    std::lock_guard lock(mu_);
    if (!failure_ || failures_left_ == 0) return std::nullopt;
    if (failures_left_ > 0) --failures_left_;
    return failure_;
  }

  FakeMonotonicClock* clock_ = nullptr;
  std::chrono::milliseconds takes_{0};
  std::mutex mu_;
  std::optional<Error> failure_;
  int failures_left_ = 0;
};

}  // namespace exidx::testing
