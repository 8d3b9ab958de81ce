// The record codec of the embedded store (src/store/rocksdb/record_codec.h).
// The first byte picks the mode:
//   even: decode arbitrary bytes as the value stored under an executionArn
//         read from the input. A value that decodes is a record that can be
//         rendered (times within range, a known status: what UBSan checks in
//         RenderRecord), that encodes and decodes to itself, and a rejection
//         is kInternal naming the key.
//   odd:  encode a record built from the input; it decodes to itself, and
//         every truncation of the value is rejected.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "core/error.h"
#include "fuzz_check.h"
#include "record_builder.h"
#include "record_checks.h"
#include "store/rocksdb/record_codec.h"

namespace exidx::fuzz {
namespace {

void DecodeArbitrary(FuzzedDataProvider& in) {
  const std::string arn = in.ConsumeRandomLengthString(96);
  const std::string bytes = in.ConsumeRemainingBytesAsString();
  auto record = DecodeRecordValue(arn, bytes);
  if (!record) {
    FUZZ_CHECK(record.error().code == ErrorCode::kInternal);
    FUZZ_CHECK(record.error().message.find(Quoted(arn)) != std::string::npos);
    return;
  }
  FUZZ_CHECK(record->execution_arn == arn);
  CheckRecord(*record);
  std::string again;
  EncodeRecordValue(*record, again);
  auto decoded = DecodeRecordValue(arn, again);
  FUZZ_CHECK(decoded.has_value() && *decoded == *record);
}

void RoundTrip(FuzzedDataProvider& in) {
  const ExecutionRecord record = ConsumeRecord(in, /*utf8=*/false);
  std::string bytes;
  EncodeRecordValue(record, bytes);
  FUZZ_CHECK(bytes.size() >= 2 && bytes[0] == kRecordFormatVersion);
  auto decoded = DecodeRecordValue(record.execution_arn, bytes);
  FUZZ_CHECK(decoded.has_value() && *decoded == record);
  CheckRecord(*decoded);
  // Every prefix is incomplete; checking them all would be quadratic in a 4 KiB cause.
  const std::size_t step = bytes.size() <= 64 ? 1 : bytes.size() / 32;
  for (std::size_t size = 0; size < bytes.size(); size += (size + 8 >= bytes.size() ? 1 : step)) {
    FUZZ_CHECK(!DecodeRecordValue(record.execution_arn, std::string_view(bytes).substr(0, size)));
  }
}

}  // namespace
}  // namespace exidx::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  if (in.ConsumeIntegral<std::uint8_t>() % 2 == 0) {
    exidx::fuzz::DecodeArbitrary(in);
  } else {
    exidx::fuzz::RoundTrip(in);
  }
  return 0;
}
