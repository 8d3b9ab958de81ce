#include "core/query.h"

#include <tuple>

namespace exidx {

std::optional<std::string>* ArgumentNamed(QueryArguments& arguments, std::string_view name) {
  if (name == "agentName") return &arguments.agent_name;
  if (name == "status") return &arguments.status;
  if (name == "startDateFrom") return &arguments.start_date_from;
  if (name == "startDateTo") return &arguments.start_date_to;
  if (name == "maxResults") return &arguments.max_results;
  if (name == "nextToken") return &arguments.next_token;
  if (name == "order") return &arguments.order;
  return nullptr;
}

bool Matches(const ExecutionFilter& filter, const ExecutionRecord& record) {
  if (filter.agent_name && *filter.agent_name != record.agent_name) return false;
  if (filter.status && *filter.status != record.status) return false;
  return record.start_date >= filter.start_from && record.start_date <= filter.start_to;
}

bool ComesBefore(const Cursor& a, const Cursor& b, SortOrder order) {
  const auto ka = std::tie(a.start_date, a.execution_arn);
  const auto kb = std::tie(b.start_date, b.execution_arn);
  return order == SortOrder::kAsc ? ka < kb : kb < ka;
}

Cursor CursorOf(const ExecutionRecord& record) {
  return Cursor{record.start_date, record.execution_arn};
}

}  // namespace exidx
