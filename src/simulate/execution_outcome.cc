// The draws of execution_outcome.h: the outcome and the duration of a run.
#include "simulate/execution_outcome.h"

#include <algorithm>

namespace exidx::simulate {

Outcome DrawOutcome(SplitMix64& rng) {
  std::uint64_t u = rng.Below(10000);
  if (u < kSucceededPer10k) return Outcome::kSucceeded;
  u -= kSucceededPer10k;
  if (u < kFailedPer10k) return Outcome::kFailed;
  u -= kFailedPer10k;
  if (u < kRedrivenPer10k) return Outcome::kRedriven;
  u -= kRedrivenPer10k;
  if (u < kTimedOutPer10k) return Outcome::kTimedOut;
  u -= kTimedOutPer10k;
  if (u < kAbortedPer10k) return Outcome::kAborted;
  return Outcome::kRunning;
}

namespace {

// Inverse CDF of a typical agent run, piecewise linear: quantile (per 65,536)
// -> milliseconds. Median 15 s, 80% in 5-45 s, 3% over 4 minutes, the longest
// close to an hour.
struct DurationPoint {
  std::uint64_t quantile;
  EpochMillis millis;
};
constexpr DurationPoint kDurations[] = {
    {0, 2'000},       {3'277, 4'000},   {6'554, 5'500},    {16'384, 9'000},   {32'768, 15'000},    {49'152, 25'000},
    {58'982, 42'000}, {61'604, 75'000}, {63'570, 240'000}, {64'881, 900'000}, {65'405, 2'400'000}, {65'536, 3'300'000},
};

}  // namespace

EpochMillis DrawDuration(SplitMix64& rng, int speed_percent, EpochMillis timeout) {
  const std::uint64_t u = rng.Below(65'536);
  std::size_t i = 1;
  while (kDurations[i].quantile <= u) ++i;
  const DurationPoint& lo = kDurations[i - 1];
  const DurationPoint& hi = kDurations[i];
  const EpochMillis base =
      lo.millis + static_cast<EpochMillis>((u - lo.quantile) * static_cast<std::uint64_t>(hi.millis - lo.millis) /
                                           (hi.quantile - lo.quantile));
  const EpochMillis scaled = base * speed_percent / 100;
  // A run that would hit the timeout is cut just short of it (TIMED_OUT is drawn apart).
  return std::min(scaled, timeout - 1 - rng.Between(0, 59'999));
}

}  // namespace exidx::simulate
