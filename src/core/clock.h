// Clock: the source of "now", a seam so that tests control time.
#pragma once

#include "core/time.h"

namespace exidx {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual EpochMillis NowMillis() const = 0;  // Thread-safe.
};

// Wall-clock time of the system.
class SystemClock final : public Clock {
 public:
  EpochMillis NowMillis() const override;
};

// `*clock`, or the system's clock when `clock` is nullptr (options' default).
const Clock& ClockOr(const Clock* clock);

}  // namespace exidx
