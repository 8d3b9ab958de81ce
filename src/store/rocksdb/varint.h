// Varints (LEB128, as LevelDB's coding.h): 7 bits a byte, low bits first, the
// high bit set on every byte but the last. Small numbers take one byte, and no
// encoding is a prefix of another, so a varint length followed by its bytes is
// a self-delimiting field in keys and values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace exidx {

inline void AppendVarint64(std::string& out, std::uint64_t value) {
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7F) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
}

// Reads a varint from the front of `input` and advances past it; nullopt when
// the bytes end first or it would not fit in 64 bits.
inline std::optional<std::uint64_t> ReadVarint64(std::string_view& input) {
  std::uint64_t value = 0;
  for (int shift = 0; shift <= 63 && !input.empty(); shift += 7) {
    const auto byte = static_cast<unsigned char>(input.front());
    input.remove_prefix(1);
    if (shift == 63 && byte > 1) return std::nullopt;
    value |= static_cast<std::uint64_t>(byte & 0x7F) << shift;
    if ((byte & 0x80) == 0) return value;
  }
  return std::nullopt;
}

// ZigZag maps signed to unsigned so that small magnitudes stay small varints.
inline std::uint64_t ZigZagEncode(std::int64_t value) {
  return (static_cast<std::uint64_t>(value) << 1) ^ static_cast<std::uint64_t>(value >> 63);
}

inline std::int64_t ZigZagDecode(std::uint64_t value) {
  return static_cast<std::int64_t>((value >> 1) ^ (~(value & 1) + 1));
}

}  // namespace exidx
