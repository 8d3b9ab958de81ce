// Deadline: the instant by which a request must be answered, on a monotonic
// clock, passed explicitly down to every call that may wait (tag lookups,
// store writes, each HTTP attempt and each sleep between retries), so that one
// budget bounds the whole request however many calls and retries it makes.
#pragma once

#include <chrono>

namespace exidx {

// Monotonic time and sleeping, a seam so that tests control both: a fake
// advances its time when asked to sleep, and no test waits for real.
class MonotonicClock {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  virtual ~MonotonicClock() = default;
  virtual TimePoint Now() const = 0;                                    // Thread-safe.
  virtual void SleepFor(std::chrono::milliseconds duration) const = 0;  // Thread-safe.

  // std::chrono::steady_clock and std::this_thread::sleep_for. Lives forever.
  static const MonotonicClock& System();
};

// A value: cheap to copy, immutable. The clock it was made with must outlive it.
class Deadline {
 public:
  // No bound: Expired() is never true and Remaining() is Unbounded().
  static Deadline Never();
  // `budget` from now (a budget <= 0 is already expired).
  static Deadline After(std::chrono::milliseconds budget, const MonotonicClock& clock = MonotonicClock::System());

  // What Remaining() answers for a deadline that never comes.
  static constexpr std::chrono::milliseconds Unbounded() { return std::chrono::milliseconds::max(); }

  bool bounded() const { return bounded_; }
  bool Expired() const;
  // Time left, 0 once expired; Unbounded() for Never().
  std::chrono::milliseconds Remaining() const;
  // `timeout`, cut to what is left: what one attempt may take.
  std::chrono::milliseconds Cap(std::chrono::milliseconds timeout) const;
  // The earlier of the two (same clock assumed).
  Deadline Earlier(const Deadline& other) const;

  const MonotonicClock& clock() const { return *clock_; }

 private:
  Deadline(bool bounded, MonotonicClock::TimePoint at, const MonotonicClock& clock)
      : bounded_(bounded), at_(at), clock_(&clock) {}

  bool bounded_;
  MonotonicClock::TimePoint at_;
  const MonotonicClock* clock_;
};

}  // namespace exidx
