// Spans of time in milliseconds, as the simulator plans executions with them.
#pragma once

#include "core/time.h"

namespace exidx::simulate {

inline constexpr EpochMillis kSecond = 1000;
inline constexpr EpochMillis kMinute = 60 * kSecond;
inline constexpr EpochMillis kHour = 60 * kMinute;
inline constexpr EpochMillis kDay = 24 * kHour;

}  // namespace exidx::simulate
