#include "indexer/agent_resolver.h"

#include <fmt/format.h>

#include <cassert>

namespace exidx {
namespace {

constexpr std::string_view kStateMachineMarker = ":stateMachine:";

std::string_view Trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

}  // namespace

Result<Tags> ParseAgentTags(std::string_view text) {
  Tags tags;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t end = std::min(text.find(',', start), text.size());
    const std::string_view pair = Trim(text.substr(start, end - start));
    const std::size_t eq = pair.find('=');
    if (eq == std::string_view::npos || eq == 0) {
      return Fail(ErrorCode::kInvalidParameter, "--agent-tags: expected KEY=VALUE[,KEY=VALUE...], got " + Quoted(text));
    }
    tags[std::string(pair.substr(0, eq))] = std::string(pair.substr(eq + 1));
    start = end + 1;
  }
  return tags;
}

std::string StateMachineName(std::string_view arn) {
  const std::size_t marker = arn.find(kStateMachineMarker);
  std::string_view name = marker == std::string_view::npos ? arn : arn.substr(marker + kStateMachineMarker.size());
  return std::string(name.substr(0, name.find(':')));
}

std::string UnqualifiedStateMachineArn(std::string_view arn) {
  const std::size_t marker = arn.find(kStateMachineMarker);
  if (marker == std::string_view::npos) return std::string(arn);
  const std::size_t name_start = marker + kStateMachineMarker.size();
  return std::string(arn.substr(0, arn.find(':', name_start)));
}

std::optional<std::string> ClassifyAgent(const AgentRule& rule, std::string_view state_machine_arn, const Tags& tags) {
  if (!rule.index_all) {
    for (const auto& [key, value] : rule.required_tags) {
      auto it = tags.find(key);
      if (it == tags.end() || it->second != value) return std::nullopt;
    }
  }
  if (auto it = tags.find("AgentName"); it != tags.end() && !it->second.empty()) return it->second;
  return StateMachineName(state_machine_arn);
}

std::string RuleFingerprint(const AgentRule& rule) {
  if (rule.index_all) return "index-all";
  std::string text;
  for (const auto& [key, value] : rule.required_tags) {
    if (!text.empty()) text += ',';
    text += key + "=" + value;
  }
  return text;
}

AgentResolver::AgentResolver(TagSource* source, AgentRule rule, const Clock& clock, AgentResolverOptions options,
                             SharedTagCache* shared)
    : source_(source), rule_(std::move(rule)), clock_(clock), options_(options), shared_(shared) {
  assert(source_ != nullptr || rule_.index_all);
}

Result<std::optional<std::string>> AgentResolver::AgentNameOf(std::string_view state_machine_arn,
                                                              const Deadline& deadline) {
  if (source_ == nullptr) return StateMachineName(state_machine_arn);
  const std::string arn = UnqualifiedStateMachineArn(state_machine_arn);
  std::promise<Result<Decision>> promise;
  std::shared_future<Result<Decision>> theirs;
  {
    std::lock_guard lock(mu_);
    if (auto it = entries_.find(arn); it != entries_.end() && it->second.expires_at > clock_.NowMillis()) {
      hits_.fetch_add(1, std::memory_order_relaxed);
      return it->second.decision;
    }
    if (auto it = in_flight_.find(arn); it != in_flight_.end()) {
      theirs = it->second;  // Someone is asking the source right now: share the answer.
    } else {
      in_flight_.emplace(arn, promise.get_future().share());
    }
  }
  if (theirs.valid()) {
    hits_.fetch_add(1, std::memory_order_relaxed);
    if (deadline.bounded() && theirs.wait_for(deadline.Remaining()) != std::future_status::ready) {
      return Fail(ErrorCode::kUnavailable,
                  fmt::format("tags of {}: the deadline passed while waiting for the lookup in flight", arn));
    }
    return theirs.get();
  }
  Result<Entry> entry = Lookup(arn, deadline, /*refresh=*/false);
  Result<Decision> result =
      entry ? Result<Decision>(entry->decision) : Result<Decision>(std::unexpected(entry.error()));
  {
    std::lock_guard lock(mu_);
    in_flight_.erase(arn);
    if (entry) entries_[arn] = *entry;
  }
  promise.set_value(result);
  return result;
}

Result<std::optional<std::string>> AgentResolver::Refresh(std::string_view state_machine_arn,
                                                          const Deadline& deadline) {
  if (source_ == nullptr) return StateMachineName(state_machine_arn);
  const std::string arn = UnqualifiedStateMachineArn(state_machine_arn);
  Result<Entry> entry = Lookup(arn, deadline, /*refresh=*/true);
  if (!entry) return std::unexpected(entry.error());
  std::lock_guard lock(mu_);
  entries_[arn] = *entry;
  return entry->decision;
}

Result<AgentResolver::Entry> AgentResolver::Lookup(const std::string& arn, const Deadline& deadline, bool refresh) {
  const EpochMillis now = clock_.NowMillis();
  if (shared_ == nullptr) {
    auto decision = Decide(arn, deadline);
    if (!decision) return std::unexpected(decision.error());
    const std::int64_t ttl = decision->has_value() ? options_.agent_ttl_millis : options_.non_agent_ttl_millis;
    return Entry{*decision, now + ttl};
  }
  auto decide = [&](const Deadline& d) { return Decide(arn, d); };
  auto resolved = refresh ? shared_->Refresh(arn, deadline, decide) : shared_->Resolve(arn, deadline, decide);
  if (!resolved) return std::unexpected(resolved.error());
  return Entry{resolved->agent_name, std::min(resolved->good_until, now + options_.shared_recheck_millis)};
}

Result<std::optional<std::string>> AgentResolver::Decide(const std::string& arn, const Deadline& deadline) {
  misses_.fetch_add(1, std::memory_order_relaxed);
  auto tags = source_->TagsOf(arn, deadline);
  if (!tags) {
    failures_.fetch_add(1, std::memory_order_relaxed);
    return Fail(tags.error().code, fmt::format("tags of {}: {}", arn, tags.error().message));
  }
  return ClassifyAgent(rule_, arn, *tags);
}

AgentCacheStats AgentResolver::Stats() const {
  return AgentCacheStats{
      .hits = hits_.load(std::memory_order_relaxed),
      .misses = misses_.load(std::memory_order_relaxed),
      .failures = failures_.load(std::memory_order_relaxed),
      .throttled = source_ != nullptr ? source_->Stats().throttled : 0,
      .shared = shared_ != nullptr ? shared_->Stats() : SharedTagCacheStats{},
  };
}

}  // namespace exidx
