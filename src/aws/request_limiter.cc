#include "aws/request_limiter.h"

#include <algorithm>

namespace exidx::aws {
namespace {

bool LargeRegion(std::string_view region) {
  return region == "us-east-1" || region == "us-west-2" || region == "eu-west-1";
}

}  // namespace

std::map<std::string, BucketRate, std::less<>> StepFunctionsQuotas(std::string_view region) {
  // From the Step Functions Developer Guide, "Quotas related to API action
  // throttling" (bucket size, refill rate per second).
  if (LargeRegion(region)) {
    return {{"DescribeExecution", {300, 15}},
            {"ListExecutions", {200, 5}},
            {"ListStateMachines", {100, 5}},
            {"ListTagsForResource", {100, 1}}};
  }
  return {{"DescribeExecution", {250, 10}},
          {"ListExecutions", {100, 2}},
          {"ListStateMachines", {100, 5}},
          {"ListTagsForResource", {100, 1}}};
}

RequestLimiter::RequestLimiter(std::map<std::string, BucketRate, std::less<>> operations,
                               std::optional<BucketRate> overall, const MonotonicClock& clock)
    : clock_(clock) {
  const auto now = clock_.Now();
  for (auto& [name, rate] : operations) operations_.emplace(name, Bucket{rate, rate.burst, now});
  if (overall) overall_ = Bucket{*overall, overall->burst, now};
}

std::chrono::nanoseconds RequestLimiter::WaitFor(Bucket& bucket, MonotonicClock::TimePoint now) {
  const double elapsed = std::chrono::duration<double>(now - bucket.updated).count();
  bucket.tokens = std::min(bucket.rate.burst, bucket.tokens + std::max(0.0, elapsed) * bucket.rate.per_second);
  bucket.updated = now;
  if (bucket.tokens >= 1) return std::chrono::nanoseconds(0);
  const double seconds = (1 - bucket.tokens) / bucket.rate.per_second;
  return std::chrono::nanoseconds(static_cast<std::int64_t>(seconds * 1e9));
}

Status RequestLimiter::Acquire(std::string_view operation, const Deadline& deadline) {
  std::chrono::nanoseconds wait(0);
  {
    std::lock_guard lock(mu_);
    const auto now = clock_.Now();
    const auto it = operations_.find(operation);
    Bucket* own = it == operations_.end() ? nullptr : &it->second;
    if (own) wait = std::max(wait, WaitFor(*own, now));
    if (overall_) wait = std::max(wait, WaitFor(*overall_, now));
    const auto wait_ms = std::chrono::ceil<std::chrono::milliseconds>(wait);
    if (deadline.bounded() && wait_ms >= deadline.Remaining()) {
      return Fail(ErrorCode::kUnavailable,
                  "the request rate limit for " + std::string(operation) + " would delay the call past its deadline");
    }
    // Reserve: a bucket below zero makes the next caller wait its turn.
    if (own) own->tokens -= 1;
    if (overall_) overall_->tokens -= 1;
    ++stats_.acquired;
    if (wait.count() > 0) {
      ++stats_.waited;
      stats_.wait_time += wait_ms;
    }
  }
  if (wait.count() > 0) clock_.SleepFor(std::chrono::ceil<std::chrono::milliseconds>(wait));
  return {};
}

RequestLimiterStats RequestLimiter::Stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

}  // namespace exidx::aws
