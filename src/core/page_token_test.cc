#include "core/page_token.h"

#include <gtest/gtest.h>

#include "core/base64url.h"
#include "core/record.h"

#include <limits>

namespace exidx {
namespace {

const std::string kSecret(32, 'k');

ExecutionFilter AgentFilter() {
  ExecutionFilter filter;
  filter.agent_name = "sql-agent";
  filter.status = ExecutionStatus::kFailed;
  filter.start_from = 1000;
  filter.start_to = 2000;
  return filter;
}

TEST(PageToken, RoundTrip) {
  PageTokenCodec codec(kSecret);
  const Cursor cursor{1500, "arn:aws:states:us-west-2:1:execution:m:e"};
  const std::string token = codec.Encode(AgentFilter(), SortOrder::kDesc, cursor);
  auto decoded = codec.Decode(token, AgentFilter(), SortOrder::kDesc);
  ASSERT_TRUE(decoded) << decoded.error().message;
  EXPECT_EQ(*decoded, cursor);
}

// Every token issued is one Decode accepts, for the longest executionArn
// ingestion takes.
TEST(PageToken, RoundTripForTheLongestArn) {
  PageTokenCodec codec(kSecret);
  const Cursor cursor{std::numeric_limits<EpochMillis>::max(), std::string(kMaxArnBytes, '\xff')};
  const std::string token = codec.Encode(AgentFilter(), SortOrder::kAsc, cursor);
  auto decoded = codec.Decode(token, AgentFilter(), SortOrder::kAsc);
  ASSERT_TRUE(decoded) << decoded.error().message << " (token of " << token.size() << " bytes)";
  EXPECT_EQ(*decoded, cursor);
}

TEST(PageToken, IsUrlSafeAndOpaque) {
  PageTokenCodec codec(kSecret);
  const std::string token = codec.Encode(AgentFilter(), SortOrder::kDesc, {1500, "arn:with/slashes+plus?"});
  for (char c : token) EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') << c;
  EXPECT_EQ(token.find("arn"), std::string::npos);
}

void ExpectInvalid(const Result<Cursor>& decoded) {
  ASSERT_FALSE(decoded);
  EXPECT_EQ(decoded.error().code, ErrorCode::kInvalidToken);
}

TEST(PageToken, EveryAlteredByteIsRejected) {
  PageTokenCodec codec(kSecret);
  const std::string raw = *Base64UrlDecode(codec.Encode(AgentFilter(), SortOrder::kAsc, {1500, "arn:e"}));
  for (std::size_t i = 0; i < raw.size(); ++i) {
    std::string altered = raw;
    altered[i] = static_cast<char>(altered[i] ^ 0x01);
    ExpectInvalid(codec.Decode(Base64UrlEncode(altered), AgentFilter(), SortOrder::kAsc));
  }
}

TEST(PageToken, TruncatedOrGarbageIsRejected) {
  PageTokenCodec codec(kSecret);
  const std::string token = codec.Encode(AgentFilter(), SortOrder::kAsc, {1500, "arn:e"});
  for (std::size_t n = 0; n < token.size(); ++n) {
    ExpectInvalid(codec.Decode(token.substr(0, n), AgentFilter(), SortOrder::kAsc));
  }
  ExpectInvalid(codec.Decode(token + "A", AgentFilter(), SortOrder::kAsc));
  ExpectInvalid(codec.Decode("not a token!", AgentFilter(), SortOrder::kAsc));
  ExpectInvalid(codec.Decode(std::string(10000, 'A'), AgentFilter(), SortOrder::kAsc));
}

TEST(PageToken, BoundToFiltersAndOrder) {
  PageTokenCodec codec(kSecret);
  const std::string token = codec.Encode(AgentFilter(), SortOrder::kDesc, {1500, "arn:e"});
  ExpectInvalid(codec.Decode(token, AgentFilter(), SortOrder::kAsc));
  auto other = AgentFilter();
  other.agent_name = "research-agent";
  ExpectInvalid(codec.Decode(token, other, SortOrder::kDesc));
  other = AgentFilter();
  other.agent_name.reset();
  ExpectInvalid(codec.Decode(token, other, SortOrder::kDesc));
  other = AgentFilter();
  other.status = ExecutionStatus::kSucceeded;
  ExpectInvalid(codec.Decode(token, other, SortOrder::kDesc));
  other = AgentFilter();
  other.status.reset();
  ExpectInvalid(codec.Decode(token, other, SortOrder::kDesc));
  other = AgentFilter();
  other.start_from = 999;
  ExpectInvalid(codec.Decode(token, other, SortOrder::kDesc));
  other = AgentFilter();
  other.start_to = 2001;
  ExpectInvalid(codec.Decode(token, other, SortOrder::kDesc));
}

TEST(PageToken, OtherSecretRejects) {
  const std::string token = PageTokenCodec(kSecret).Encode(AgentFilter(), SortOrder::kDesc, {1, "a"});
  ExpectInvalid(PageTokenCodec(std::string(32, 'z')).Decode(token, AgentFilter(), SortOrder::kDesc));
}

TEST(PageToken, NewSecretsDiffer) {
  auto a = PageTokenCodec::NewSecret();
  auto b = PageTokenCodec::NewSecret();
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->size(), 32u);
  EXPECT_NE(*a, *b);
}

}  // namespace
}  // namespace exidx
