#include "core/clock.h"

#include <chrono>

namespace exidx {

EpochMillis SystemClock::NowMillis() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

const Clock& ClockOr(const Clock* clock) {
  static const SystemClock system;
  return clock != nullptr ? *clock : system;
}

}  // namespace exidx
