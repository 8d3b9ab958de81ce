// Page tokens (src/core/page_token.h) with a fixed secret. The first byte
// picks the mode:
//   even: decode the rest as a token for a filter and order read from the
//         input. A token that verifies is the one Encode makes for its cursor
//         (one spelling per token), and is refused for the other order.
//   odd:  encode a cursor read from the input (its executionArn within
//         kMaxArnBytes, as every record's is) and decode it. The token is
//         URL-safe, decodes to the same cursor for the same filter and order,
//         and is refused for another order, another agent, or with any one
//         character changed.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "core/page_token.h"
#include "core/record.h"
#include "fuzz_check.h"

namespace exidx::fuzz {
namespace {

const PageTokenCodec& Codec() {
  static const PageTokenCodec codec("fuzz-page-token-secret-0123456789");
  return codec;
}

ExecutionFilter FilterOf(FuzzedDataProvider& in) {
  ExecutionFilter filter;
  if (in.ConsumeBool()) filter.agent_name = in.ConsumeRandomLengthString(64);
  if (in.ConsumeBool())
    filter.status = kAllStatuses[in.ConsumeIntegralInRange<std::size_t>(0, kAllStatuses.size() - 1)];
  if (in.ConsumeBool()) filter.start_from = in.ConsumeIntegral<EpochMillis>();
  if (in.ConsumeBool()) filter.start_to = in.ConsumeIntegral<EpochMillis>();
  return filter;
}

SortOrder Other(SortOrder order) {
  return order == SortOrder::kAsc ? SortOrder::kDesc : SortOrder::kAsc;
}

bool IsUrlSafe(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

void DecodeArbitrary(FuzzedDataProvider& in) {
  const ExecutionFilter filter = FilterOf(in);
  const SortOrder order = in.ConsumeBool() ? SortOrder::kAsc : SortOrder::kDesc;
  const std::string token = in.ConsumeRemainingBytesAsString();
  auto cursor = Codec().Decode(token, filter, order);
  if (!cursor) {
    FUZZ_CHECK(cursor.error().code == ErrorCode::kInvalidToken);
    return;
  }
  FUZZ_CHECK(Codec().Encode(filter, order, *cursor) == token);
  FUZZ_CHECK(!Codec().Decode(token, filter, Other(order)));
}

void RoundTrip(FuzzedDataProvider& in) {
  const ExecutionFilter filter = FilterOf(in);
  const SortOrder order = in.ConsumeBool() ? SortOrder::kAsc : SortOrder::kDesc;
  const std::size_t changed_at = in.ConsumeIntegral<std::size_t>();
  const char changed_to = in.ConsumeIntegral<char>();
  Cursor last;
  last.start_date = in.ConsumeIntegral<EpochMillis>();
  last.execution_arn = in.ConsumeRemainingBytesAsString();
  // Ingestion bounds the executionArn a cursor carries (core/record.h).
  if (last.execution_arn.size() > kMaxArnBytes) last.execution_arn.resize(kMaxArnBytes);

  const std::string token = Codec().Encode(filter, order, last);
  for (char c : token) FUZZ_CHECK(IsUrlSafe(c));
  auto decoded = Codec().Decode(token, filter, order);
  FUZZ_CHECK(decoded.has_value() && *decoded == last);
  FUZZ_CHECK(!Codec().Decode(token, filter, Other(order)));
  ExecutionFilter other_agent = filter;
  other_agent.agent_name = filter.agent_name ? std::optional<std::string>() : std::optional<std::string>("");
  FUZZ_CHECK(!Codec().Decode(token, other_agent, order));
  std::string altered = token;
  char& c = altered[changed_at % altered.size()];
  if (c != changed_to) {
    c = changed_to;
    FUZZ_CHECK(!Codec().Decode(altered, filter, order));
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
