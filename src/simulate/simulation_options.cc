// The options of a simulation (simulator.h): their defaults and their checks.
#include <fmt/format.h>

#include <algorithm>
#include <string>
#include <string_view>

#include "simulate/simulator.h"
#include "simulate/time_spans.h"

namespace exidx {
namespace {

using simulate::kDay;

bool IsRegionLike(std::string_view region) {
  if (region.empty() || region.size() > 32) return false;
  return std::all_of(region.begin(), region.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; });
}

bool IsAccountId(std::string_view account) {
  return account.size() == 12 &&
         std::all_of(account.begin(), account.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

SimulationOptions DefaultSimulationOptions(EpochMillis now) {
  SimulationOptions options;
  options.window_end = now;
  options.window_start = now - 30 * kDay;
  return options;
}

Status ValidateSimulationOptions(const SimulationOptions& o) {
  auto bad = [](std::string message) { return Fail(ErrorCode::kInvalidParameter, std::move(message)); };
  const bool live = o.executions_per_second > 0;
  if (!(o.executions_per_second >= 0 && o.executions_per_second <= 1e6)) {
    return bad("executions_per_second: expected 0 (window mode) to 1000000");
  }
  if (o.executions < 0) return bad(fmt::format("executions: must not be negative, got {}", o.executions));
  if (!live && o.executions > (std::int64_t{1} << 40)) {
    return bad(fmt::format("executions: at most {} in window mode, got {}", std::int64_t{1} << 40, o.executions));
  }
  if (o.agents < 1 || o.agents > 1000) {
    return bad(fmt::format("agents: expected 1 to 1000, got {}", o.agents));
  }
  if (o.non_agent_machines < 0 || o.non_agent_machines > 100) {
    return bad(fmt::format("non_agent_machines: expected 0 to 100, got {}", o.non_agent_machines));
  }
  if (!IsRegionLike(o.region)) {
    return bad("region: expected lower-case letters, digits and '-', got " + Quoted(o.region));
  }
  if (!IsAccountId(o.account)) return bad("account: expected 12 digits, got " + Quoted(o.account));
  if (!(o.duplicate_rate >= 0 && o.duplicate_rate <= 1)) return bad("duplicate_rate: expected 0 to 1");
  if (!(o.reorder_rate >= 0 && o.reorder_rate <= 0.5)) return bad("reorder_rate: expected 0 to 0.5");
  // Room after the window for the longest execution, redrive and delivery.
  constexpr EpochMillis kLatest = kMaxEpochMillis - 366 * kDay;
  if (live) {
    if (o.window_start < 0 || o.window_start > kLatest) {
      return bad(fmt::format("window_start: out of range: {}", o.window_start));
    }
    return {};
  }
  if (o.window_start < 0 || o.window_end > kLatest || o.window_start >= o.window_end) {
    return bad(
        fmt::format("window: expected 0 <= start < end <= {}, got [{}, {})", kLatest, o.window_start, o.window_end));
  }
  return {};
}

}  // namespace exidx
