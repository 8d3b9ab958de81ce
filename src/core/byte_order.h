// Big-endian fixed-width integers: the byte order in which unsigned integers
// sort as byte strings (index keys, tokens).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace exidx {

inline void AppendBigEndian64(std::string& out, std::uint64_t value) {
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>((value >> shift) & 0xFF));
}

// REQUIRES: bytes.size() >= 8.
inline std::uint64_t ReadBigEndian64(std::string_view bytes) {
  std::uint64_t value = 0;
  for (int i = 0; i < 8; ++i) value = (value << 8) | static_cast<unsigned char>(bytes[i]);
  return value;
}

}  // namespace exidx
