#include "store/rocksdb/index_keys.h"

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "store/rocksdb/key_coding.h"

namespace exidx {
namespace {

// The descending form of an executionArn's bytes (see index_keys.h).
constexpr unsigned char kEscape = 0xFF;        // Leads the two-byte forms.
constexpr unsigned char kEscapedNul = 0x00;    // After kEscape: a NUL byte.
constexpr unsigned char kEndOfArn = 0xFE;      // After kEscape: the end.
constexpr std::size_t kEndOfArnBytes = 2;

void AppendDescendingArn(std::string& out, std::string_view arn) {
  for (char c : arn) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte == 0) {
      out.push_back(static_cast<char>(kEscape));
      out.push_back(static_cast<char>(kEscapedNul));
    } else {
      out.push_back(static_cast<char>(~byte));
    }
  }
  out.push_back(static_cast<char>(kEscape));
  out.push_back(static_cast<char>(kEndOfArn));
}

// Reads `bytes` into `arn`; false unless they are exactly one descending
// executionArn. Runs of plain bytes (all but kEscape) are complemented in
// bulk: an executionArn rarely holds a NUL, so the first kEscape is nearly
// always the end mark.
bool ReadDescendingArn(std::string_view bytes, std::string& arn) {
  arn.clear();
  while (true) {
    const void* found = std::memchr(bytes.data(), kEscape, bytes.size());
    if (found == nullptr || static_cast<const char*>(found) + 1 == bytes.data() + bytes.size()) return false;
    const std::size_t plain = static_cast<std::size_t>(static_cast<const char*>(found) - bytes.data());
    const std::size_t at = arn.size();
    arn.resize(at + plain);
    std::transform(bytes.data(), bytes.data() + plain, arn.data() + at, [](char c) { return static_cast<char>(~c); });
    const auto next = static_cast<unsigned char>(bytes[plain + 1]);
    bytes.remove_prefix(plain + 2);
    if (next == kEndOfArn) return bytes.empty();
    if (next != kEscapedNul) return false;
    arn.push_back('\0');
  }
}

std::string Prefix(IndexShape shape, const std::string* agent_name, const ExecutionStatus* status) {
  std::string out(1, static_cast<char>(shape));
  if (agent_name != nullptr) AppendLengthPrefixed(out, *agent_name);
  if (status != nullptr) out.push_back(static_cast<char>(*status));
  return out;
}

// The smallest key greater than every key that starts with `key`; "" when
// none exists (every byte is 0xFF), which IndexPrefix never produces.
std::string PrefixSuccessor(std::string key) {
  while (!key.empty()) {
    auto& last = reinterpret_cast<unsigned char&>(key.back());
    if (last != 0xFF) {
      ++last;
      return key;
    }
    key.pop_back();
  }
  return key;
}

// The smallest key of `prefix` with this startDate: every executionArn's
// encoding sorts after it (the date's keys hold at least the end mark).
std::string DateKey(std::string_view prefix, EpochMillis start_date) {
  std::string key(prefix);
  AppendMillisNewestFirst(key, start_date);
  return key;
}

}  // namespace

std::string IndexPrefix(const ExecutionFilter& filter) {
  const std::string* agent = filter.agent_name ? &*filter.agent_name : nullptr;
  const ExecutionStatus* status = filter.status ? &*filter.status : nullptr;
  if (agent != nullptr && status != nullptr) return Prefix(IndexShape::kAgentStatus, agent, status);
  if (agent != nullptr) return Prefix(IndexShape::kAgent, agent, nullptr);
  if (status != nullptr) return Prefix(IndexShape::kStatus, nullptr, status);
  return Prefix(IndexShape::kAll, nullptr, nullptr);
}

std::string IndexKey(std::string_view prefix, EpochMillis start_date, std::string_view execution_arn) {
  std::string key;
  key.reserve(prefix.size() + kFixed64Bytes + execution_arn.size() + kEndOfArnBytes);
  key.append(prefix);
  AppendMillisNewestFirst(key, start_date);
  AppendDescendingArn(key, execution_arn);
  return key;
}

std::array<std::string, kIndexShapeCount> IndexKeysOf(const ExecutionRecord& record) {
  const std::string& agent = record.agent_name;
  const ExecutionStatus status = record.status;
  auto key = [&record](const std::string& prefix) { return IndexKey(prefix, record.start_date, record.execution_arn); };
  return {
      key(Prefix(IndexShape::kAll, nullptr, nullptr)),
      key(Prefix(IndexShape::kAgent, &agent, nullptr)),
      key(Prefix(IndexShape::kStatus, nullptr, &status)),
      key(Prefix(IndexShape::kAgentStatus, &agent, &status)),
  };
}

bool ParseIndexKey(std::string_view key, std::size_t prefix_size, IndexPosition& out) {
  if (key.size() < prefix_size + kFixed64Bytes) return false;
  key.remove_prefix(prefix_size);
  out.start_date = ReadMillisNewestFirst(key);
  return ReadDescendingArn(key.substr(kFixed64Bytes), out.execution_arn);
}

IndexRange IndexRangeOf(const ScanRequest& request) {
  const ExecutionFilter& filter = request.filter;
  IndexRange range;
  range.prefix = IndexPrefix(filter);
  // Newest first: start_to's keys lead the range, start_from's end it.
  range.lower = DateKey(range.prefix, filter.start_to);
  range.upper = PrefixSuccessor(DateKey(range.prefix, filter.start_from));
  if (request.after) {
    std::string cursor = IndexKey(range.prefix, request.after->start_date, request.after->execution_arn);
    if (request.order == SortOrder::kDesc) {
      // No key extends another (each ends with the end mark), so this is the
      // smallest key after the cursor's own.
      cursor.push_back('\0');
      if (range.lower < cursor) range.lower = std::move(cursor);
    } else if (cursor < range.upper) {
      range.upper = std::move(cursor);
    }
  }
  return range;
}

}  // namespace exidx
