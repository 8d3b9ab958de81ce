// What happens to a simulated execution: how it ends (the outcome mix of
// simulator.h) and how long it runs.
#pragma once

#include <cstdint>

#include "core/time.h"
#include "simulate/split_mix64.h"

namespace exidx::simulate {

// Outcomes per 10,000 executions.
inline constexpr std::uint64_t kSucceededPer10k = 8500;
inline constexpr std::uint64_t kFailedPer10k = 750;
inline constexpr std::uint64_t kRedrivenPer10k = 50;  // FAILED, then redriven.
inline constexpr std::uint64_t kTimedOutPer10k = 200;
inline constexpr std::uint64_t kAbortedPer10k = 200;
inline constexpr std::uint64_t kRunningPer10k = 300;
static_assert(kSucceededPer10k + kFailedPer10k + kRedrivenPer10k + kTimedOutPer10k + kAbortedPer10k + kRunningPer10k ==
              10000);

// Events per execution, and those that have a later event of the same
// execution (only those can arrive out of order): to turn reorder_rate, a
// fraction of all events, into a chance per eligible event.
inline constexpr double kEventsPer10k = 2.0 * (10000 - kRunningPer10k) + kRunningPer10k + 2.0 * kRedrivenPer10k;
inline constexpr double kEligiblePer10k = (10000 - kRunningPer10k) + 2.0 * kRedrivenPer10k;

inline constexpr int kRedrivenSucceedPercent = 80;

enum class Outcome { kSucceeded, kFailed, kRedriven, kTimedOut, kAborted, kRunning };

// One of the outcomes, drawn with the frequencies above.
Outcome DrawOutcome(SplitMix64& rng);

// A run's duration: that of a typical agent run (median 15 s, 80% in 5-45 s,
// the longest close to an hour) times `speed_percent` / 100, cut just short
// of `timeout`.
EpochMillis DrawDuration(SplitMix64& rng, int speed_percent, EpochMillis timeout);

}  // namespace exidx::simulate
