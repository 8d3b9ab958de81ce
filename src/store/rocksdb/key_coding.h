// The byte codings of the embedded store's keys and values, in one place:
//   varints  LEB128, as LevelDB's coding.h: 7 bits a byte, low bits first,
//            the high bit set on every byte but the last. Small numbers take
//            one byte, and no encoding is a prefix of another, so a varint
//            length followed by its bytes is a self-delimiting field.
//   ZigZag   signed numbers as unsigned ones whose small magnitudes stay
//            small varints.
//   fixed64  8 bytes big-endian (core/byte_order.h): unsigned numbers that
//            sort as byte strings (sequences).
//   millis   8 bytes big-endian with the sign bit flipped, so that signed
//            times sort as byte strings oldest first; and every bit of that
//            complemented, so that they sort newest first.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/byte_order.h"
#include "core/time.h"

namespace exidx {

inline constexpr std::size_t kFixed64Bytes = 8;

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

// A varint length, then the bytes: a field that sorts by its length first,
// and never one inside another ("a" vs "a\0b" vs "ab").
inline void AppendLengthPrefixed(std::string& out, std::string_view bytes) {
  AppendVarint64(out, bytes.size());
  out.append(bytes);
}

inline std::uint64_t ZigZagEncode(std::int64_t value) {
  return (static_cast<std::uint64_t>(value) << 1) ^ static_cast<std::uint64_t>(value >> 63);
}

inline std::int64_t ZigZagDecode(std::uint64_t value) {
  return static_cast<std::int64_t>((value >> 1) ^ (~(value & 1) + 1));
}

// 8 bytes big-endian.
inline std::string Fixed64Key(std::uint64_t value) {
  std::string key;
  key.reserve(kFixed64Bytes);
  AppendBigEndian64(key, value);
  return key;
}

inline constexpr std::uint64_t kMillisSignBit = std::uint64_t{1} << 63;

inline void AppendMillisOldestFirst(std::string& out, EpochMillis millis) {
  AppendBigEndian64(out, static_cast<std::uint64_t>(millis) ^ kMillisSignBit);
}

// REQUIRES: bytes.size() >= kFixed64Bytes.
inline EpochMillis ReadMillisOldestFirst(std::string_view bytes) {
  return static_cast<EpochMillis>(ReadBigEndian64(bytes) ^ kMillisSignBit);
}

inline void AppendMillisNewestFirst(std::string& out, EpochMillis millis) {
  AppendBigEndian64(out, ~(static_cast<std::uint64_t>(millis) ^ kMillisSignBit));
}

// REQUIRES: bytes.size() >= kFixed64Bytes.
inline EpochMillis ReadMillisNewestFirst(std::string_view bytes) {
  return static_cast<EpochMillis>(~ReadBigEndian64(bytes) ^ kMillisSignBit);
}

}  // namespace exidx
