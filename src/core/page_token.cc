#include "core/page_token.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <cassert>
#include <cstdint>

#include "core/base64url.h"
#include "core/byte_order.h"
#include "core/record.h"

namespace exidx {
namespace {

// Token layout, before base64url: version (1 byte) | startDate (8 bytes, big
// endian) | executionArn | MAC (kMacBytes). The MAC covers the filter and order
// too, so the token need not carry them.
constexpr char kTokenVersion = 1;
constexpr std::size_t kMacBytes = 16;
constexpr std::size_t kMaxTokenBytes = 4096;
// Every token issued must be one Decode accepts: ingestion bounds the
// executionArn a cursor carries to kMaxArnBytes (base64url: 4 chars per 3 bytes).
static_assert((1 + 8 + kMaxArnBytes + kMacBytes + 2) / 3 * 4 <= kMaxTokenBytes);

std::string Binding(const ExecutionFilter& filter, SortOrder order) {
  // Length-prefixed fields: no two different filters share an encoding.
  std::string out = "exidx page token v1";
  auto add = [&out](std::string_view field) {
    AppendBigEndian64(out, field.size());
    out.append(field);
  };
  add(filter.agent_name ? "a" + *filter.agent_name : "-");
  add(filter.status ? std::string(1, static_cast<char>(*filter.status)) : "");
  AppendBigEndian64(out, static_cast<std::uint64_t>(filter.start_from));
  AppendBigEndian64(out, static_cast<std::uint64_t>(filter.start_to));
  out.push_back(order == SortOrder::kAsc ? 'a' : 'd');
  return out;
}

std::unexpected<Error> InvalidToken() {
  return Fail(ErrorCode::kInvalidToken,
              "nextToken: not a token issued for this query (altered, truncated, or from other filters)");
}

}  // namespace

PageTokenCodec::PageTokenCodec(std::string secret) : secret_(std::move(secret)) {
  assert(secret_.size() >= 16);
}

std::string PageTokenCodec::Mac(const ExecutionFilter& filter, SortOrder order, std::string_view payload) const {
  std::string message = Binding(filter, order);
  message.append(payload);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), secret_.data(), static_cast<int>(secret_.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest, &length);
  return std::string(reinterpret_cast<const char*>(digest), kMacBytes);
}

std::string PageTokenCodec::Encode(const ExecutionFilter& filter, SortOrder order, const Cursor& last) const {
  std::string payload(1, kTokenVersion);
  AppendBigEndian64(payload, static_cast<std::uint64_t>(last.start_date));
  payload.append(last.execution_arn);
  payload.append(Mac(filter, order, payload));
  return Base64UrlEncode(payload);
}

Result<Cursor> PageTokenCodec::Decode(std::string_view token, const ExecutionFilter& filter, SortOrder order) const {
  if (token.size() > kMaxTokenBytes) return InvalidToken();
  auto raw = Base64UrlDecode(token);
  if (!raw || raw->size() < 1 + 8 + kMacBytes || (*raw)[0] != kTokenVersion) return InvalidToken();
  const std::string_view bytes(*raw);
  const std::string_view payload = bytes.substr(0, bytes.size() - kMacBytes);
  const std::string expected = Mac(filter, order, payload);
  if (CRYPTO_memcmp(expected.data(), bytes.data() + payload.size(), kMacBytes) != 0) {
    return InvalidToken();
  }
  return Cursor{
      .start_date = static_cast<EpochMillis>(ReadBigEndian64(payload.substr(1, 8))),
      .execution_arn = std::string(payload.substr(9)),
  };
}

Result<std::string> PageTokenCodec::NewSecret() {
  std::string secret(32, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(secret.data()), static_cast<int>(secret.size())) != 1) {
    return Fail(ErrorCode::kInternal, "cannot draw random bytes for the page-token secret");
  }
  return secret;
}

}  // namespace exidx
