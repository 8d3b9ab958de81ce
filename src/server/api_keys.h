// API keys (CONTRACT.md section 8): a set of keys that a presented key is
// checked against in constant time.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "server/http_message.h"

namespace exidx::server {

// Holds only SHA-256 digests of its keys. Thread-safe (immutable).
class ApiKeySet {
 public:
  // Empty keys are ignored.
  explicit ApiKeySet(const std::vector<std::string>& keys = {});

  bool empty() const { return digests_.empty(); }
  std::size_t size() const { return digests_.size(); }

  // True when `key` is one of the set's. Compares the key's SHA-256 with every
  // digest with CRYPTO_memcmp, without stopping at a match, so the time taken
  // says nothing about the keys (not even their lengths).
  bool Contains(std::string_view key) const;

 private:
  std::vector<std::array<unsigned char, 32>> digests_;
};

// The key a request presents: "Authorization: Bearer KEY", else "x-api-key: KEY".
std::optional<std::string_view> PresentedKey(const HttpRequest& request);

// The keys of an option's values (`option`: "--read-key"), each value a key
// or a comma-separated list of keys, spaces around each trimmed.
// kInvalidParameter for an empty key (",", "a,,b", "a,") and for a key that
// begins with '-' (an option's name taken as a value): either would leave a
// route open that was meant to be closed.
Result<std::vector<std::string>> ParseKeyList(std::string_view option, const std::vector<std::string>& values);

}  // namespace exidx::server
