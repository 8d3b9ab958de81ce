#include "core/deadline.h"

#include <algorithm>
#include <thread>

namespace exidx {
namespace {

class SystemMonotonicClock final : public MonotonicClock {
 public:
  TimePoint Now() const override { return std::chrono::steady_clock::now(); }
  void SleepFor(std::chrono::milliseconds duration) const override { std::this_thread::sleep_for(duration); }
};

}  // namespace

const MonotonicClock& MonotonicClock::System() {
  static const SystemMonotonicClock clock;
  return clock;
}

Deadline Deadline::Never() {
  return Deadline(false, {}, MonotonicClock::System());
}

Deadline Deadline::After(std::chrono::milliseconds budget, const MonotonicClock& clock) {
  return Deadline(true, clock.Now() + budget, clock);
}

bool Deadline::Expired() const {
  return bounded_ && clock_->Now() >= at_;
}

std::chrono::milliseconds Deadline::Remaining() const {
  if (!bounded_) return Unbounded();
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(at_ - clock_->Now());
  return std::max(left, std::chrono::milliseconds(0));
}

std::chrono::milliseconds Deadline::Cap(std::chrono::milliseconds timeout) const {
  return std::min(timeout, Remaining());
}

Deadline Deadline::Earlier(const Deadline& other) const {
  if (!bounded_) return other;
  if (!other.bounded_) return *this;
  return at_ <= other.at_ ? *this : other;
}

}  // namespace exidx
