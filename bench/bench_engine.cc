#include "bench/bench_engine.h"

#include <sys/resource.h>

#include <cstdio>
#include <cstdlib>
#include <variant>

namespace exidx::bench {

std::pair<std::uint64_t, std::string> BenchEngine::PeakRss() {
  return {ProcessPeakRss(), "peak RSS of the benchmark process (engine in process; includes the driver)"};
}

std::int64_t PackedVersion(const ExecutionRecord& record) {
  // redriveCount (10 bits) | phase (1) | stopDate + 1, 0 when absent (49) | status (3).
  const RecordVersion v = VersionOf(record);
  const std::int64_t stop = record.stop_date ? *record.stop_date + 1 : 0;
  if (v.redrive_count < 0 || v.redrive_count >= (1 << 10) || stop < 0 || stop >= (std::int64_t{1} << 49) ||
      v.status_rank < 0 || v.status_rank >= 8) {
    std::fprintf(stderr, "PackedVersion: %s is outside the packable range\n", record.execution_arn.c_str());
    std::abort();
  }
  return (v.redrive_count << 53) | (std::int64_t{v.phase} << 52) | (stop << 3) | v.status_rank;
}

std::uint64_t ProcessPeakRss() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<std::uint64_t>(usage.ru_maxrss) * 1024;
}

}  // namespace exidx::bench
