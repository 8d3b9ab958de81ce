#include "core/record.h"

#include <limits>

namespace exidx {

std::optional<double> DurationSeconds(const ExecutionRecord& record) {
  if (!record.stop_date) return std::nullopt;
  return static_cast<double>(*record.stop_date - record.start_date) / 1000.0;
}

RecordVersion VersionOf(const ExecutionRecord& record) {
  return RecordVersion{
      .redrive_count = record.redrive_count,
      .phase = IsTerminal(record.status) ? 1 : 0,
      .stop_date = record.stop_date.value_or(std::numeric_limits<EpochMillis>::min()),
      .status_rank = static_cast<int>(record.status),
  };
}

bool Supersedes(const ExecutionRecord& candidate, const ExecutionRecord* current) {
  return current == nullptr || VersionOf(candidate) > VersionOf(*current);
}

}  // namespace exidx
