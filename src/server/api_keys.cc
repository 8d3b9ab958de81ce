#include "server/api_keys.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>

namespace exidx::server {
namespace {

std::array<unsigned char, 32> Sha256(std::string_view text) {
  std::array<unsigned char, 32> digest{};
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest.data());
  return digest;
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

}  // namespace

ApiKeySet::ApiKeySet(const std::vector<std::string>& keys) {
  for (const auto& key : keys) {
    if (!key.empty()) digests_.push_back(Sha256(key));
  }
}

bool ApiKeySet::Contains(std::string_view key) const {
  const auto presented = Sha256(key);
  int matches = 0;
  for (const auto& digest : digests_) {
    matches |= CRYPTO_memcmp(presented.data(), digest.data(), digest.size()) == 0 ? 1 : 0;
  }
  return matches != 0;
}

std::optional<std::string_view> PresentedKey(const HttpRequest& request) {
  if (auto authorization = request.Header("Authorization")) {
    constexpr std::string_view kBearer = "Bearer ";
    std::string_view value = Trim(*authorization);
    if (value.size() > kBearer.size() && value.substr(0, kBearer.size()) == kBearer) {
      return Trim(value.substr(kBearer.size()));
    }
  }
  if (auto key = request.Header("x-api-key")) return Trim(*key);
  return std::nullopt;
}

std::vector<std::string> SplitKeyList(const std::vector<std::string>& values) {
  std::vector<std::string> keys;
  for (std::string_view value : values) {
    while (!value.empty()) {
      const std::size_t comma = value.find(',');
      const std::string_view key = Trim(value.substr(0, comma));
      if (!key.empty()) keys.emplace_back(key);
      value = comma == std::string_view::npos ? std::string_view() : value.substr(comma + 1);
    }
  }
  return keys;
}

}  // namespace exidx::server
