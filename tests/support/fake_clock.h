// FakeClock: time that moves only when a test says so.
#pragma once

#include <atomic>

#include "core/clock.h"

namespace exidx::testing {

class FakeClock final : public Clock {
 public:
  explicit FakeClock(EpochMillis now = 1'759'140'000'000) : now_(now) {}
  EpochMillis NowMillis() const override { return now_.load(); }
  void Advance(EpochMillis millis) { now_ += millis; }

 private:
  std::atomic<EpochMillis> now_;
};

}  // namespace exidx::testing
