#include "core/retention.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

namespace exidx {
namespace {

constexpr std::int64_t kSecondsPerDay = 86'400;
constexpr std::int64_t kSecondsPerHour = 3'600;

std::optional<std::int64_t> ParseCount(std::string_view text) {
  std::int64_t value = 0;
  if (text.empty() || text.front() == '+' || text.front() == '-') return std::nullopt;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// "<n>d" or "<n>h" in seconds, within 1 hour .. kMaxRetentionSeconds.
Result<std::int64_t> ParseSpan(std::string_view option, std::string_view entry, std::string_view text) {
  const auto bad = [&] {
    return Fail(ErrorCode::kInvalidParameter,
                fmt::format("{}: expected STATUS=<days>d or STATUS=<hours>h (1 hour to 36500 days), got {}", option,
                            Quoted(entry)));
  };
  if (text.size() < 2) return bad();
  const char unit = text.back();
  if (unit != 'd' && unit != 'h') return bad();
  const std::optional<std::int64_t> count = ParseCount(text.substr(0, text.size() - 1));
  const std::int64_t scale = unit == 'd' ? kSecondsPerDay : kSecondsPerHour;
  if (!count || *count < 1 || *count > kMaxRetentionSeconds / scale) return bad();
  return *count * scale;
}

Status ParseRetain(std::string_view retain, RetentionPolicy& policy) {
  constexpr std::string_view kOption = "--retain";
  while (!retain.empty()) {
    const std::size_t comma = retain.find(',');
    const std::string_view entry = retain.substr(0, comma);
    retain = comma == std::string_view::npos ? std::string_view() : retain.substr(comma + 1);
    const std::size_t equals = entry.find('=');
    if (equals == std::string_view::npos) {
      return Fail(
          ErrorCode::kInvalidParameter,
          fmt::format("{}: expected STATUS=<days>d (e.g. SUCCEEDED=30d,FAILED=180d), got {}", kOption, Quoted(entry)));
    }
    const std::optional<ExecutionStatus> status = ParseStatus(entry.substr(0, equals));
    if (!status) {
      return Fail(ErrorCode::kInvalidParameter,
                  fmt::format("{}: unknown status {} (RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED or "
                              "PENDING_REDRIVE)",
                              kOption, Quoted(entry.substr(0, equals))));
    }
    auto& slot = policy.status_seconds[static_cast<std::size_t>(*status)];
    if (slot) {
      return Fail(ErrorCode::kInvalidParameter, fmt::format("{}: {} is given twice", kOption, StatusName(*status)));
    }
    auto seconds = ParseSpan(kOption, entry, entry.substr(equals + 1));
    if (!seconds) return std::unexpected(seconds.error());
    slot = *seconds;
    if (comma != std::string_view::npos && retain.empty()) {
      return Fail(ErrorCode::kInvalidParameter, fmt::format("{}: a trailing comma", kOption));
    }
  }
  return {};
}

std::string SpanText(std::int64_t seconds) {
  return seconds % kSecondsPerDay == 0 ? fmt::format("{}d", seconds / kSecondsPerDay)
                                       : fmt::format("{}h", seconds / kSecondsPerHour);
}

}  // namespace

std::optional<std::int64_t> RetentionPolicy::SecondsFor(ExecutionStatus status) const {
  const auto& own = status_seconds[static_cast<std::size_t>(status)];
  return own ? own : default_seconds;
}

bool RetentionPolicy::Empty() const {
  return !default_seconds && std::none_of(status_seconds.begin(), status_seconds.end(),
                                          [](const auto& seconds) { return seconds.has_value(); });
}

Result<RetentionPolicy> ParseRetentionPolicy(std::string_view days, std::string_view retain) {
  RetentionPolicy policy;
  if (!days.empty()) {
    const std::optional<std::int64_t> count = ParseCount(days);
    if (!count || *count < 1 || *count > kMaxRetentionSeconds / kSecondsPerDay) {
      return Fail(ErrorCode::kInvalidParameter,
                  "--retention-days: expected a whole number of days from 1 to 36500, got " + Quoted(days));
    }
    policy.default_seconds = *count * kSecondsPerDay;
  }
  if (auto parsed = ParseRetain(retain, policy); !parsed) return std::unexpected(parsed.error());
  return policy;
}

std::string DescribeRetention(const RetentionPolicy& policy) {
  if (policy.Empty()) return "none";
  std::string out = policy.default_seconds ? "default " + SpanText(*policy.default_seconds) : "default forever";
  for (ExecutionStatus status : kAllStatuses) {
    if (const auto& seconds = policy.status_seconds[static_cast<std::size_t>(status)]) {
      out += fmt::format(", {} {}", StatusName(status), SpanText(*seconds));
    }
  }
  return out;
}

std::optional<EpochSeconds> ExpiryOf(const RetentionPolicy& policy, const ExecutionRecord& record) {
  const std::optional<std::int64_t> seconds = policy.SecondsFor(record.status);
  if (!seconds) return std::nullopt;
  const EpochMillis from = record.stop_date ? *record.stop_date : std::max(record.start_date, record.indexed_at);
  return -SecondsOf(-from) + *seconds;  // Rounded up to the second.
}

std::span<const ExecutionRecord> WithExpiry(const RetentionPolicy& policy, std::span<const ExecutionRecord> candidates,
                                            std::vector<ExecutionRecord>& storage) {
  const auto stamped = [&](const ExecutionRecord& record) { return record.ttl == ExpiryOf(policy, record); };
  if (std::all_of(candidates.begin(), candidates.end(), stamped)) return candidates;
  storage.assign(candidates.begin(), candidates.end());
  for (ExecutionRecord& record : storage) record.ttl = ExpiryOf(policy, record);
  return storage;
}

}  // namespace exidx
