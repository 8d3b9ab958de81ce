// Page tokens: opaque, URL-safe, HMAC-authenticated cursors bound to the query
// that produced them (CONTRACT.md section 5). A token reveals nothing a client
// may rely on and cannot be forged, altered, or reused with other filters.
#pragma once

#include <string>
#include <string_view>

#include "core/error.h"
#include "core/query.h"

namespace exidx {

class PageTokenCodec {
 public:
  // REQUIRES: secret holds at least 16 bytes of key material.
  explicit PageTokenCodec(std::string secret);

  // A token for the page that follows `last`, valid only for this filter and order.
  std::string Encode(const ExecutionFilter& filter, SortOrder order, const Cursor& last) const;

  // The cursor of a token made by Encode with the same secret, filter and order;
  // otherwise kInvalidToken.
  Result<Cursor> Decode(std::string_view token, const ExecutionFilter& filter, SortOrder order) const;

  // 32 random bytes from the system's CSPRNG, for a new store's secret.
  static Result<std::string> NewSecret();

 private:
  std::string Mac(const ExecutionFilter& filter, SortOrder order, std::string_view payload) const;

  std::string secret_;
};

}  // namespace exidx
