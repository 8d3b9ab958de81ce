// The index keys of the embedded store (src/store/rocksdb/index_keys.h). The
// first byte picks the mode:
//   0: parse arbitrary bytes as a key with a prefix of a size read from the
//      input; a key that parses is the one IndexKey makes for its position
//      (one encoding per position).
//   1: a record's keys in the four shapes start with their shape's prefix
//      and parse back to its position.
//   2: two positions under one prefix: key order is (startDate,
//      executionArn) descending, newest first.
//   3: a scan request and a record: the record's key lies in the request's
//      range exactly when the record matches the filter and comes after the
//      cursor, as the reference meaning (Matches, ComesBefore) says.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <tuple>

#include "core/query.h"
#include "fuzz_check.h"
#include "record_builder.h"
#include "store/rocksdb/index_keys.h"

namespace exidx::fuzz {
namespace {

ExecutionFilter ConsumeFilter(FuzzedDataProvider& in) {
  ExecutionFilter filter;
  if (in.ConsumeBool()) filter.agent_name = in.ConsumeRandomLengthString(16);
  if (in.ConsumeBool()) filter.status = in.PickValueInArray(kAllStatuses);
  if (in.ConsumeBool()) filter.start_from = ConsumeTimestamp(in);
  if (in.ConsumeBool()) filter.start_to = ConsumeTimestamp(in);
  return filter;
}

void ParseArbitrary(FuzzedDataProvider& in) {
  const std::string key = in.ConsumeRemainingBytesAsString();
  const std::size_t prefix_size = key.empty() ? 0 : key.size() % 24;
  IndexPosition position;
  position.execution_arn = "left over from an earlier key";
  if (!ParseIndexKey(key, prefix_size, position)) return;
  FUZZ_CHECK(IndexKey(std::string_view(key).substr(0, prefix_size), position.start_date, position.execution_arn) ==
             key);
}

void KeysOfARecord(FuzzedDataProvider& in) {
  ExecutionRecord record = ConsumeRecord(in, /*utf8=*/false);
  record.start_date = in.ConsumeIntegral<EpochMillis>();  // The key holds any int64.
  const auto keys = IndexKeysOf(record);
  const ExecutionFilter shapes[] = {
      {},
      {.agent_name = record.agent_name},
      {.status = record.status},
      {.agent_name = record.agent_name, .status = record.status},
  };
  for (std::size_t i = 0; i < kIndexShapeCount; ++i) {
    const std::string prefix = IndexPrefix(shapes[i]);
    FUZZ_CHECK(keys[i].starts_with(prefix));
    FUZZ_CHECK(keys[i] == IndexKey(prefix, record.start_date, record.execution_arn));
    IndexPosition position;
    FUZZ_CHECK(ParseIndexKey(keys[i], prefix.size(), position));
    FUZZ_CHECK(position.start_date == record.start_date && position.execution_arn == record.execution_arn);
  }
}

void KeyOrder(FuzzedDataProvider& in) {
  const std::string prefix = IndexPrefix(ConsumeFilter(in));
  const EpochMillis a_start = in.ConsumeIntegral<EpochMillis>();
  const EpochMillis b_start = in.ConsumeBool() ? a_start : in.ConsumeIntegral<EpochMillis>();
  const std::string a_arn = in.ConsumeRandomLengthString(32);
  const std::string b_arn =
      in.ConsumeBool() ? a_arn + in.ConsumeRandomLengthString(4) : in.ConsumeRandomLengthString(32);
  const std::string a = IndexKey(prefix, a_start, a_arn);
  const std::string b = IndexKey(prefix, b_start, b_arn);
  FUZZ_CHECK((a < b) == (std::tie(b_start, b_arn) < std::tie(a_start, a_arn)));
  FUZZ_CHECK((a == b) == (a_start == b_start && a_arn == b_arn));
}

void RangeOfARequest(FuzzedDataProvider& in) {
  ScanRequest request;
  request.filter = ConsumeFilter(in);
  request.order = in.ConsumeBool() ? SortOrder::kAsc : SortOrder::kDesc;
  ExecutionRecord record;
  record.agent_name = request.filter.agent_name.value_or("agent");
  record.status = request.filter.status.value_or(ExecutionStatus::kRunning);
  record.start_date = in.ConsumeBool() ? request.filter.start_from : ConsumeTimestamp(in);
  record.execution_arn = in.ConsumeRandomLengthString(24);
  if (in.ConsumeBool()) {
    Cursor after{in.ConsumeBool() ? record.start_date : ConsumeTimestamp(in), in.ConsumeRandomLengthString(24)};
    request.after = std::move(after);
  }
  const IndexRange range = IndexRangeOf(request);
  FUZZ_CHECK(range.prefix == IndexPrefix(request.filter));
  const std::string key = IndexKey(range.prefix, record.start_date, record.execution_arn);
  const bool in_range = range.lower <= key && key < range.upper;
  const bool wanted = Matches(request.filter, record) &&
                      (!request.after || ComesBefore(*request.after, CursorOf(record), request.order));
  FUZZ_CHECK(in_range == wanted);
  FUZZ_CHECK(!range.Empty() || !wanted);
}

}  // namespace
}  // namespace exidx::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  switch (in.ConsumeIntegral<std::uint8_t>() % 4) {
    case 0: exidx::fuzz::ParseArbitrary(in); break;
    case 1: exidx::fuzz::KeysOfARecord(in); break;
    case 2: exidx::fuzz::KeyOrder(in); break;
    default: exidx::fuzz::RangeOfARequest(in); break;
  }
  return 0;
}
