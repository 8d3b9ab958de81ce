#include "bench/history_model.h"

#include <algorithm>

namespace exidx::bench {

HistoryModel::HistoryModel(const std::vector<PlannedExecution>& executions, std::size_t agents, EpochMillis now)
    : by_agent_(agents) {
  for (const PlannedExecution& e : executions) {
    if (e.agent >= 0 && e.start_date <= now) by_agent_[static_cast<std::size_t>(e.agent)].push_back(e);
  }
  for (auto& list : by_agent_) {
    std::stable_sort(list.begin(), list.end(),
                     [](const PlannedExecution& a, const PlannedExecution& b) { return a.start_date > b.start_date; });
  }
}

HistoryCost HistoryModel::Cost(const HistoryQuery& query) const {
  struct Stream {
    std::vector<EpochMillis> in_range;  // Newest first.
    std::int64_t newer = 0;             // Items (after statusFilter) newer than `to`.
    std::int64_t total = 0;             // Items after statusFilter.
    std::size_t taken = 0;
  };
  std::vector<Stream> streams;
  for (std::size_t a = 0; a < by_agent_.size(); ++a) {
    if (query.agent && static_cast<std::size_t>(*query.agent) != a) continue;
    Stream s;
    for (const PlannedExecution& e : by_agent_[a]) {
      if (query.status && e.status != *query.status) continue;
      ++s.total;
      if (e.start_date > query.to) {
        ++s.newer;
      } else if (e.start_date >= query.from && s.in_range.size() < static_cast<std::size_t>(query.page_size)) {
        s.in_range.push_back(e.start_date);
      }
    }
    streams.push_back(std::move(s));
  }
  HistoryCost cost;
  for (; cost.items < query.page_size; ++cost.items) {
    Stream* best = nullptr;
    for (Stream& s : streams) {
      if (s.taken < s.in_range.size() && (best == nullptr || s.in_range[s.taken] > best->in_range[best->taken])) {
        best = &s;
      }
    }
    if (best == nullptr) break;
    ++best->taken;
  }
  for (const Stream& s : streams) {
    // The merge must see the item after the last one it took (to know the
    // stream's next candidate or its end): position newer + taken.
    const std::int64_t position = s.newer + static_cast<std::int64_t>(s.taken);
    const std::int64_t pages =
        position < s.total
            ? position / kListExecutionsPageSize + 1
            : std::max<std::int64_t>(1, (s.total + kListExecutionsPageSize - 1) / kListExecutionsPageSize);
    cost.calls += pages;
    cost.deepest_agent = std::max(cost.deepest_agent, pages);
  }
  return cost;
}

}  // namespace exidx::bench
