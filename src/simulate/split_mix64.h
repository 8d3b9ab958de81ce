// The simulator's randomness: splitmix64 (Steele, Lea, Flood 2014), identical
// on every platform, in independent streams per (seed, purpose, item).
#pragma once

#include <cstdint>

#include "core/time.h"

namespace exidx::simulate {

inline constexpr std::uint64_t kGolden = 0x9E3779B97F4A7C15ULL;

constexpr std::uint64_t Mix64(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// Independent streams of randomness per (seed, purpose, item), so that one
// execution's draws never shift another's.
enum class Salt : std::uint64_t { kExecution = 1, kStart, kName, kNameLow, kEventId, kEventIdLow, kBuckets };

inline std::uint64_t Hash(std::uint64_t seed, Salt salt, std::uint64_t item) {
  return Mix64(Mix64(seed ^ (static_cast<std::uint64_t>(salt) * kGolden)) + item * kGolden);
}

class SplitMix64 {
 public:
  explicit SplitMix64(std::uint64_t state) : state_(state) {}
  std::uint64_t Next() { return Mix64(state_ += kGolden); }
  // Uniform in [0, n); n > 0.
  std::uint64_t Below(std::uint64_t n) {
    return static_cast<std::uint64_t>((static_cast<unsigned __int128>(Next()) * n) >> 64);
  }
  EpochMillis Between(EpochMillis lo, EpochMillis hi) {  // [lo, hi]
    return lo + static_cast<EpochMillis>(Below(static_cast<std::uint64_t>(hi - lo + 1)));
  }
  bool Chance(std::uint64_t threshold53) { return (Next() >> 11) < threshold53; }

 private:
  std::uint64_t state_;
};

// A probability as a threshold on 53 random bits: exact and platform-independent.
inline std::uint64_t Threshold53(double p) {
  if (!(p > 0)) return 0;
  if (p >= 1) return std::uint64_t{1} << 53;
  return static_cast<std::uint64_t>(p * 9007199254740992.0);
}

}  // namespace exidx::simulate
