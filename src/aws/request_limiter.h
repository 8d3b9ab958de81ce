// RequestLimiter: client-side token buckets, one per API operation and one
// over all of them, so that a long job (backfill, reconcile) stays within a
// service's published quotas instead of spending its retries on throttling.
// Step Functions throttles each API with a token bucket per account and
// region (a bucket of B tokens refilled at R per second); a client that
// takes a token before each request never exceeds what the service allows,
// whatever its concurrency.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "core/deadline.h"
#include "core/error.h"

namespace exidx::aws {

// A token bucket's shape: `burst` tokens at most, `per_second` refilled.
struct BucketRate {
  double burst = 1;
  double per_second = 1;
};

// Step Functions' published API quotas (bucket size, refill per second) for
// the operations exidx calls: the larger ones of us-east-1, us-west-2 and
// eu-west-1, and those of every other region.
std::map<std::string, BucketRate, std::less<>> StepFunctionsQuotas(std::string_view region);

struct RequestLimiterStats {
  std::uint64_t acquired = 0;  // Tokens taken (requests let through).
  std::uint64_t waited = 0;    // Of them, how many had to wait for a token.
  std::chrono::milliseconds wait_time{0};
};

// Thread-safe. Tokens are handed out in the order callers arrive per bucket
// (each caller reserves the next free instant and sleeps until it), so no
// caller starves and a burst spreads evenly at the refill rate.
class RequestLimiter {
 public:
  // `operations`: the bucket of each named operation; operations not named
  // have none. `overall`: one more bucket every request takes from (e.g.
  // --max-rps), or none. `clock` must outlive the limiter; buckets start full.
  RequestLimiter(std::map<std::string, BucketRate, std::less<>> operations, std::optional<BucketRate> overall,
                 const MonotonicClock& clock = MonotonicClock::System());

  // Waits until a request of `operation` may be sent, taking its tokens.
  // kUnavailable, taking nothing, when that instant would come after
  // `deadline`.
  Status Acquire(std::string_view operation, const Deadline& deadline);

  RequestLimiterStats Stats() const;

 private:
  struct Bucket {
    BucketRate rate;
    double tokens;                   // At `updated`; negative: reserved ahead.
    MonotonicClock::TimePoint updated;
  };

  // How long from `now` until `bucket` has a token for one more request.
  static std::chrono::nanoseconds WaitFor(Bucket& bucket, MonotonicClock::TimePoint now);

  const MonotonicClock& clock_;
  mutable std::mutex mu_;
  std::map<std::string, Bucket, std::less<>> operations_;  // Guarded by mu_.
  std::optional<Bucket> overall_;                          // Guarded by mu_.
  RequestLimiterStats stats_;                              // Guarded by mu_.
};

}  // namespace exidx::aws
