// FakeMonotonicClock: monotonic time that moves only when a test says so, or
// when code under test sleeps (which then returns at once).
#pragma once

#include <atomic>
#include <chrono>

#include "core/deadline.h"

namespace exidx::testing {

class FakeMonotonicClock final : public MonotonicClock {
 public:
  TimePoint Now() const override { return TimePoint(std::chrono::milliseconds(now_.load())); }
  void SleepFor(std::chrono::milliseconds duration) const override {
    now_ += duration.count();
    slept_ += duration.count();
  }
  void Advance(std::chrono::milliseconds duration) { now_ += duration.count(); }
  std::chrono::milliseconds slept() const { return std::chrono::milliseconds(slept_.load()); }

 private:
  mutable std::atomic<std::int64_t> now_{1'000'000};
  mutable std::atomic<std::int64_t> slept_{0};
};

}  // namespace exidx::testing
