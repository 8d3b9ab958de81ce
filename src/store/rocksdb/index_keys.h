// Keys of the index column family. Every filter shape of a ScanRequest maps
// to one contiguous key range ordered newest first, by (startDate,
// executionArn) descending, so that a scan reads exactly the entries it
// returns and never filters and discards, and the History page's order (newest
// first, the default) is a forward scan.
//
// Key = prefix | startDate | executionArn, where the prefix names the shape
// and its values:
//   all            0x01
//   agent          0x02 | varint(len) agentName
//   status         0x03 | status
//   agent+status   0x04 | varint(len) agentName | status
// startDate is written newest first (key_coding.h: 8 bytes big-endian, sign
// bit flipped, every bit complemented), so that later dates sort first. executionArn is written
// descending: every byte complemented, except that a NUL byte becomes
// 0xFF 0x00, and the end is marked by 0xFF 0xFE. That is the complement of
// the order-preserving escape (NUL -> 0x00 0xFF, end -> 0x00 0x01), so a
// greater executionArn always sorts first, including one that extends
// another ("abc" before "ab", "a\0" before "a"). The length-prefixed agent
// name makes the prefixes of two different agents differ before either ends:
// no agent's entries can fall inside another's range ("a" vs "a\0b" vs "ab").
// Values are the record's encoding (record_codec.h): a scan reads a page from
// the index alone.
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <string_view>

#include "core/query.h"
#include "core/record.h"

namespace exidx {

enum class IndexShape : char {
  kAll = 0x01,
  kAgent = 0x02,
  kStatus = 0x03,
  kAgentStatus = 0x04,
};

inline constexpr std::size_t kIndexShapeCount = 4;

// The prefix of the index entries that `filter` selects (its agent and status;
// bounds are not part of it).
std::string IndexPrefix(const ExecutionFilter& filter);

// The key of one index entry under `prefix`.
std::string IndexKey(std::string_view prefix, EpochMillis start_date, std::string_view execution_arn);

// The key of `record` in every shape, in IndexShape order.
std::array<std::string, kIndexShapeCount> IndexKeysOf(const ExecutionRecord& record);

// The position of an index entry, read back from its key.
struct IndexPosition {
  EpochMillis start_date = 0;
  std::string execution_arn;
};

// Reads the position of `key` into `out`, reusing its string's storage (a
// scan parses every key of a page into one). false when the rest is not a
// startDate and a complete executionArn; `out` is then unspecified.
// REQUIRES: `key` starts with a prefix of `prefix_size` bytes.
bool ParseIndexKey(std::string_view key, std::size_t prefix_size, IndexPosition& out);

// The keys a scan visits: those k with lower <= k < upper. A newest-first
// scan reads them in key order, an oldest-first one in reverse.
struct IndexRange {
  std::string prefix;
  std::string lower;
  std::string upper;

  bool Empty() const { return !(lower < upper); }
};

// The range of `request`: its filter's prefix, startDate within the inclusive
// bounds, and strictly after the cursor (in the request's order) when one is
// given.
IndexRange IndexRangeOf(const ScanRequest& request);

}  // namespace exidx
