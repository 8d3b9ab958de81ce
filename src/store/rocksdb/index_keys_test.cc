#include "store/rocksdb/index_keys.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <map>
#include <tuple>
#include <vector>

#include "store/rocksdb/key_coding.h"
#include "support/record_builder.h"

namespace exidx {
namespace {

using std::string_literals::operator""s;

// A record with what index keys are made of (in the order these tests name it).
ExecutionRecord Record(std::string agent, ExecutionStatus status, EpochMillis start, std::string arn) {
  return testing::Exec(std::move(arn), std::move(agent), status, start);
}

const std::vector<EpochMillis>& Dates() {
  static const std::vector<EpochMillis> dates = {std::numeric_limits<EpochMillis>::min(),
                                                 kMinEpochMillis,
                                                 -86400000,
                                                 -1,
                                                 0,
                                                 1,
                                                 255,
                                                 256,
                                                 1759140000000,
                                                 kMaxEpochMillis,
                                                 std::numeric_limits<EpochMillis>::max()};
  return dates;
}

TEST(IndexKeysTest, SortableMillisOrderNumericallyAndRoundTrip) {
  std::vector<std::string> encoded;
  for (EpochMillis date : Dates()) {
    std::string bytes;
    AppendMillisNewestFirst(bytes, date);
    ASSERT_EQ(bytes.size(), kFixed64Bytes);
    EXPECT_EQ(ReadMillisNewestFirst(bytes), date);
    encoded.push_back(bytes);
  }
  // Dates() is ascending; their encodings sort newest first.
  EXPECT_TRUE(std::is_sorted(encoded.rbegin(), encoded.rend()));
  EXPECT_EQ(std::adjacent_find(encoded.begin(), encoded.end()), encoded.end());
}

// executionArns that extend one another, with NULs and high bytes, ascending.
const std::vector<std::string>& TrickyArns() {
  static const std::vector<std::string> arns = {"",      "\0"s,    "\0\0"s,    "\x01",      "a",
                                                "a\0"s,  "a\0\0"s, "a\0\x01"s, "a\x01",     "ab",
                                                "a\xfe", "a\xff",  "a\xff\0"s, "a\xff\xff", "b"};
  return arns;
}

TEST(IndexKeysTest, ArnsSortDescendingAndReadBackWhateverTheirBytes) {
  std::vector<std::string> keys;
  for (const std::string& arn : TrickyArns()) {
    keys.push_back(IndexKey("\x01", 7, arn));
    IndexPosition position{.start_date = 0, .execution_arn = "left over"};
    ASSERT_TRUE(ParseIndexKey(keys.back(), 1, position));
    EXPECT_EQ(position.execution_arn, arn);
    EXPECT_EQ(position.start_date, 7);
  }
  ASSERT_TRUE(std::is_sorted(TrickyArns().begin(), TrickyArns().end()));
  for (std::size_t i = 0; i + 1 < keys.size(); ++i) {
    EXPECT_GT(keys[i], keys[i + 1]) << "arn #" << i;
    // No key extends another, so nothing falls between a key and key + NUL.
    EXPECT_FALSE(keys[i + 1].starts_with(keys[i]));
    EXPECT_FALSE(keys[i].starts_with(keys[i + 1]));
  }
}

TEST(IndexKeysTest, MalformedArnBytesAreRejected) {
  const std::string key = IndexKey("\x01", 7, "a\0b"s);
  IndexPosition position;
  EXPECT_TRUE(ParseIndexKey(key, 1, position));
  EXPECT_FALSE(ParseIndexKey(key.substr(0, key.size() - 1), 1, position));  // No end mark.
  EXPECT_FALSE(ParseIndexKey(key.substr(0, key.size() - 2), 1, position));
  EXPECT_FALSE(ParseIndexKey(key + "x", 1, position));                       // Bytes after the end.
  std::string bad_escape = key;
  bad_escape[1 + kFixed64Bytes + 2] = '\x05';                        // 0xFF then neither 0x00 nor 0xFE.
  EXPECT_FALSE(ParseIndexKey(bad_escape, 1, position));
}

// Agents whose names are prefixes of one another, with NULs and high bytes.
const std::vector<std::string>& TrickyAgents() {
  static const std::vector<std::string> agents = {"",
                                                  "a",
                                                  "a\0"s,
                                                  "a\0b"s,
                                                  "ab",
                                                  "a\x01",
                                                  "a\xff",
                                                  "b",
                                                  std::string(127, 'a'),
                                                  std::string(128, 'a'),
                                                  std::string(129, 'a'),
                                                  "\x02",
                                                  "\x03\x01"};
  return agents;
}

// For every shape, the keys of each (agent, status) group are contiguous in
// sorted order and sorted by (startDate, executionArn), newest first, inside
// the group.
TEST(IndexKeysTest, GroupsNeverInterleaveAndSortByStartDateThenArn) {
  const std::vector<std::string> arns = {"", "arn", "arn\0"s, "arn\x01", "arn\xff", "arnb", "b"};
  struct Entry {
    std::string key;
    std::string group;
    EpochMillis start;
    std::string arn;
  };
  for (std::size_t shape = 0; shape < kIndexShapeCount; ++shape) {
    std::vector<Entry> entries;
    for (const std::string& agent : TrickyAgents()) {
      for (ExecutionStatus status : {ExecutionStatus::kRunning, ExecutionStatus::kFailed}) {
        for (EpochMillis date : Dates()) {
          for (const std::string& arn : arns) {
            const ExecutionRecord record = Record(agent, status, date, arn);
            const bool by_agent = shape == 1 || shape == 3;
            const bool by_status = shape == 2 || shape == 3;
            std::string group =
                (by_agent ? "agent=" + agent : "") + "/" + (by_status ? std::string(StatusName(status)) : "");
            entries.push_back({IndexKeysOf(record)[shape], group, date, arn});
          }
        }
      }
    }
    std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) { return a.key < b.key; });
    std::map<std::string, std::size_t> last_seen_at;
    for (std::size_t i = 0; i < entries.size(); ++i) {
      const Entry& e = entries[i];
      auto [it, first] = last_seen_at.try_emplace(e.group, i);
      if (!first) {
        ASSERT_EQ(it->second, i - 1) << "shape " << shape << ": group " << e.group << " is interleaved";
        const Entry& previous = entries[i - 1];
        // Newest first; equal (start, arn) pairs occur once per status in the all/agent shapes.
        EXPECT_GE(std::tie(previous.start, previous.arn), std::tie(e.start, e.arn)) << "shape " << shape;
        it->second = i;
      }
    }
  }
}

TEST(IndexKeysTest, FilterPrefixIsThePrefixOfTheRecordsKey) {
  const ExecutionRecord record = Record("a\0b"s, ExecutionStatus::kTimedOut, -5, "arn:x");
  const auto keys = IndexKeysOf(record);
  ExecutionFilter filter;
  EXPECT_TRUE(keys[0].starts_with(IndexPrefix(filter)));
  filter.agent_name = record.agent_name;
  EXPECT_TRUE(keys[1].starts_with(IndexPrefix(filter)));
  filter.status = record.status;
  EXPECT_TRUE(keys[3].starts_with(IndexPrefix(filter)));
  filter.agent_name.reset();
  EXPECT_TRUE(keys[2].starts_with(IndexPrefix(filter)));

  // The position reads back from the key.
  for (std::size_t shape = 0; shape < kIndexShapeCount; ++shape) {
    ExecutionFilter f;
    if (shape == 1 || shape == 3) f.agent_name = record.agent_name;
    if (shape == 2 || shape == 3) f.status = record.status;
    IndexPosition position;
    ASSERT_TRUE(ParseIndexKey(keys[shape], IndexPrefix(f).size(), position));
    EXPECT_EQ(position.start_date, -5);
    EXPECT_EQ(position.execution_arn, "arn:x");
  }
  IndexPosition position;
  EXPECT_FALSE(ParseIndexKey("\x01short", 1, position));
}

bool InRange(const IndexRange& range, const std::string& key) {
  return range.lower <= key && key < range.upper;
}

TEST(IndexKeysTest, RangeHoldsExactlyTheInclusiveBounds) {
  ScanRequest request;
  request.filter.agent_name = "a";
  request.filter.start_from = 1000;
  request.filter.start_to = 2000;
  const IndexRange range = IndexRangeOf(request);
  auto key = [](std::string agent, EpochMillis start, std::string arn) {
    return IndexKeysOf(Record(std::move(agent), ExecutionStatus::kRunning, start, std::move(arn)))[1];
  };
  EXPECT_TRUE(InRange(range, key("a", 1000, "")));
  EXPECT_TRUE(InRange(range, key("a", 2000, std::string(500, '\xff'))));
  EXPECT_FALSE(InRange(range, key("a", 999, std::string(500, '\xff'))));
  EXPECT_FALSE(InRange(range, key("a", 2001, "")));
  EXPECT_FALSE(InRange(range, key("a\0"s, 1500, "x")));
  EXPECT_FALSE(InRange(range, key("ab", 1500, "x")));
  EXPECT_FALSE(InRange(range, key("", 1500, "x")));
}

TEST(IndexKeysTest, RangeOfFullDateSpanIsBounded) {
  ScanRequest request;
  request.filter.start_from = std::numeric_limits<EpochMillis>::min();
  request.filter.start_to = std::numeric_limits<EpochMillis>::max();
  const IndexRange range = IndexRangeOf(request);
  EXPECT_FALSE(range.Empty());
  EXPECT_TRUE(InRange(range, IndexKeysOf(Record("x", ExecutionStatus::kRunning, request.filter.start_to, "\xff"))[0]));
  EXPECT_TRUE(InRange(range, IndexKeysOf(Record("x", ExecutionStatus::kRunning, request.filter.start_from, ""))[0]));
  // Keys of the next shape stay out.
  EXPECT_FALSE(InRange(range, IndexKeysOf(Record("", ExecutionStatus::kRunning, 0, ""))[1]));
}

TEST(IndexKeysTest, CursorExcludesItselfAndEverythingBefore) {
  auto key = [](EpochMillis start, std::string arn) {
    return IndexKeysOf(Record("a", ExecutionStatus::kRunning, start, std::move(arn)))[0];
  };
  ScanRequest request;
  request.after = Cursor{1000, "m"};
  request.order = SortOrder::kAsc;
  IndexRange asc = IndexRangeOf(request);
  EXPECT_FALSE(InRange(asc, key(1000, "m")));
  EXPECT_FALSE(InRange(asc, key(1000, "l\xff")));
  EXPECT_FALSE(InRange(asc, key(999, "z")));
  EXPECT_TRUE(InRange(asc, key(1000, "m\0"s)));
  EXPECT_TRUE(InRange(asc, key(1000, "ma")));
  EXPECT_TRUE(InRange(asc, key(1001, "")));

  request.order = SortOrder::kDesc;
  IndexRange desc = IndexRangeOf(request);
  EXPECT_FALSE(InRange(desc, key(1000, "m")));
  EXPECT_FALSE(InRange(desc, key(1000, "m\0"s)));
  EXPECT_FALSE(InRange(desc, key(1001, "")));
  EXPECT_TRUE(InRange(desc, key(1000, "l\xff")));
  EXPECT_TRUE(InRange(desc, key(999, "z")));

  // A cursor outside the bounds leaves an empty range, not a wider one.
  request.filter.start_from = 2000;
  EXPECT_TRUE(IndexRangeOf(request).Empty());
  request.order = SortOrder::kAsc;
  request.filter.start_from = kMinEpochMillis;
  request.filter.start_to = 500;
  EXPECT_TRUE(IndexRangeOf(request).Empty());
}

}  // namespace
}  // namespace exidx
