// Properties every ExecutionRecord that a parser or decoder hands out must
// have, whatever bytes it was read from: the fields the contract constrains
// are within their ranges, so that rendering it is defined.
#pragma once

#include <algorithm>

#include "core/json_render.h"
#include "core/record.h"
#include "core/status.h"
#include "core/time.h"
#include "fuzz_check.h"

namespace exidx::fuzz {

inline bool InTimestampRange(EpochMillis t) {
  return t >= kMinEpochMillis && t <= kMaxEpochMillis;
}

inline bool IsKnownStatus(ExecutionStatus status) {
  return std::find(kAllStatuses.begin(), kAllStatuses.end(), status) != kAllStatuses.end();
}

// The text form of `t` reads back as `t`.
inline void CheckTimestampRoundTrip(EpochMillis t) {
  const std::string text = FormatTimestamp(t);
  FUZZ_CHECK(text.size() == 24 && text.back() == 'Z');
  auto parsed = ParseTimestamp(text);
  FUZZ_CHECK(parsed.has_value() && *parsed == t);
}

inline void CheckRecord(const ExecutionRecord& record) {
  FUZZ_CHECK(IsKnownStatus(record.status));
  FUZZ_CHECK(InTimestampRange(record.start_date));
  FUZZ_CHECK(InTimestampRange(record.indexed_at));
  if (record.stop_date) FUZZ_CHECK(InTimestampRange(*record.stop_date));
  CheckTimestampRoundTrip(record.start_date);
  // UBSan checks the arithmetic inside; the text is checked by the callers
  // that know their strings are UTF-8.
  FUZZ_CHECK(!RenderRecord(record).empty());
}

}  // namespace exidx::fuzz
