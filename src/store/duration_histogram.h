// DurationHistogram: execution durations counted in fixed, log-spaced bins,
// so that stores can keep p50/p95 per (agent, status, hour) as counters that
// add and subtract exactly (a record that changes status moves between them).
//
// Bins: 0 holds [0, 0.1 s); bin i in 1..100 holds [0.1 s * 2^((i-1)/4),
// 0.1 s * 2^(i/4)); bin 101 holds everything from 0.1 s * 2^25 (about 38.8
// days). A quantile is the geometric middle of the bin that holds the
// nearest-rank sample, so it is within a factor 2^(1/8) (-8.3 % .. +9.1 %) of
// that sample, or within 0.05 s of it below 0.1 s; above 38.8 days it is the
// bin's lower bound.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace exidx {

inline constexpr std::size_t kDurationBins = 102;
inline constexpr double kFirstBinSeconds = 0.1;

inline std::size_t DurationBin(double seconds) {
  if (!(seconds >= kFirstBinSeconds)) return 0;  // Also NaN and negatives.
  const double steps = std::floor(std::log2(seconds / kFirstBinSeconds) * 4);
  return static_cast<std::size_t>(std::min<double>(steps + 1, kDurationBins - 1));
}

// The value a quantile falling into `bin` is reported as.
inline double DurationBinEstimate(std::size_t bin) {
  if (bin == 0) return kFirstBinSeconds / 2;
  const double lower = kFirstBinSeconds * std::exp2((static_cast<double>(bin) - 1) / 4);
  return bin == kDurationBins - 1 ? lower : lower * std::exp2(1.0 / 8);
}

// A sparse histogram as stores keep it: (bin, count) pairs, bins ascending.
using SparseDurationBins = std::vector<std::pair<std::uint16_t, std::uint64_t>>;

// A dense histogram to sum sparse ones into and read quantiles from.
struct DurationHistogram {
  std::array<std::uint64_t, kDurationBins> bins{};
  std::uint64_t total = 0;

  void Add(const SparseDurationBins& sparse) {
    for (const auto& [bin, n] : sparse) {
      bins[bin] += n;
      total += n;
    }
  }
  void Add(double seconds) {
    ++bins[DurationBin(seconds)];
    ++total;
  }

  // The nearest-rank q-quantile's estimate (0 < q <= 1); REQUIRES total > 0.
  double Quantile(double q) const {
    const auto rank = std::max<std::uint64_t>(1, static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(total))));
    std::uint64_t seen = 0;
    for (std::size_t bin = 0; bin < kDurationBins; ++bin) {
      seen += bins[bin];
      if (seen >= rank) return DurationBinEstimate(bin);
    }
    return DurationBinEstimate(kDurationBins - 1);
  }
};

}  // namespace exidx
