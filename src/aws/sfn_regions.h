// StepFunctionsRegions: one Step Functions client per region, made on first
// use, so that the calls for a state machine or an execution go to the region
// in its ARN. Step Functions' quotas are per account and region, so each
// region's client has a RequestLimiter of its own (StepFunctionsQuotas), and
// --max-rps bounds each region as well.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "aws/json_client.h"
#include "aws/request_limiter.h"
#include "aws/sfn_client.h"
#include "core/error.h"

namespace exidx::aws {

struct StepFunctionsRegionsOptions {
  JsonClientOptions client;  // Its `limiter` is ignored: see below.
  // Limit each region's requests to Step Functions' published quotas.
  bool limit_to_quotas = false;
  // When set, at most this many requests per second to each region (all
  // operations together), with a burst of as many.
  std::optional<double> max_rps;
};

// What the clients made so far have cost, summed over the regions.
struct StepFunctionsCallStats {
  JsonClientStats calls;
  RequestLimiterStats limiter;
};

// The region of an ARN, "arn:<partition>:states:<region>:<account>:...":
// nullopt when it is not of that shape.
std::optional<std::string> RegionOfArn(std::string_view arn);

// Thread-safe. Clients live as long as this does.
class StepFunctionsRegions {
 public:
  // The home region is the environment's (ResolveRegion): kInternal when it
  // names none.
  static Result<std::shared_ptr<StepFunctionsRegions>> Create(std::shared_ptr<AwsContext> context,
                                                              StepFunctionsRegionsOptions options = {});

  // The client of the home region: for listing the account's state machines.
  StepFunctionsClient& Home() { return *home_; }
  const std::string& home_region() const { return home_region_; }
  // The client of the region in `arn`, or of the home region when the ARN
  // names none. kInternal when the region has no endpoint.
  Result<StepFunctionsClient*> ForArn(std::string_view arn);

  StepFunctionsCallStats Stats() const;

 private:
  struct Region {
    std::unique_ptr<StepFunctionsClient> client;
    std::shared_ptr<RequestLimiter> limiter;  // Null when not limited.
  };

  StepFunctionsRegions(std::shared_ptr<AwsContext> context, StepFunctionsRegionsOptions options)
      : context_(std::move(context)), options_(std::move(options)) {}
  Result<Region> Make(const std::string& region) const;

  const std::shared_ptr<AwsContext> context_;
  const StepFunctionsRegionsOptions options_;
  std::string home_region_;
  StepFunctionsClient* home_ = nullptr;
  mutable std::mutex mu_;
  std::map<std::string, Region, std::less<>> regions_;  // Guarded by mu_; never erased.
};

}  // namespace exidx::aws
