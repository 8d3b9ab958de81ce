#include "aws/sfn_regions.h"

#include "aws/service_endpoint.h"

namespace exidx::aws {

std::optional<std::string> RegionOfArn(std::string_view arn) {
  // arn : partition : service : region : ...
  std::size_t start = 0;
  for (int field = 0; field < 3; ++field) {
    const std::size_t colon = arn.find(':', start);
    if (colon == std::string_view::npos) return std::nullopt;
    start = colon + 1;
  }
  const std::size_t end = arn.find(':', start);
  if (end == std::string_view::npos || end == start || !arn.starts_with("arn:")) return std::nullopt;
  return std::string(arn.substr(start, end - start));
}

Result<std::shared_ptr<StepFunctionsRegions>> StepFunctionsRegions::Create(std::shared_ptr<AwsContext> context,
                                                                           StepFunctionsRegionsOptions options) {
  auto home = ResolveRegion(context->env());
  if (!home) return std::unexpected(home.error());
  std::shared_ptr<StepFunctionsRegions> regions(new StepFunctionsRegions(std::move(context), std::move(options)));
  auto made = regions->Make(*home);
  if (!made) return std::unexpected(made.error());
  regions->home_region_ = *home;
  regions->home_ = made->client.get();
  regions->regions_.emplace(*home, std::move(*made));
  return regions;
}

Result<StepFunctionsRegions::Region> StepFunctionsRegions::Make(const std::string& region) const {
  auto endpoint = ResolveEndpoint(context_->env(), AwsService::kStepFunctions, region);
  if (!endpoint) return std::unexpected(endpoint.error());
  Region made;
  if (options_.limit_to_quotas || options_.max_rps) {
    std::optional<BucketRate> overall;
    if (options_.max_rps)
      overall = BucketRate{.burst = std::max(1.0, *options_.max_rps), .per_second = *options_.max_rps};
    made.limiter = std::make_shared<RequestLimiter>(
        options_.limit_to_quotas ? StepFunctionsQuotas(region) : std::map<std::string, BucketRate, std::less<>>{},
        overall);
  }
  JsonClientOptions client_options = options_.client;
  client_options.limiter = made.limiter;
  made.client = std::make_unique<StepFunctionsClient>(std::make_unique<JsonClient>(
      context_, AwsService::kStepFunctions, "AWSStepFunctions", region, std::move(*endpoint), client_options));
  return made;
}

Result<StepFunctionsClient*> StepFunctionsRegions::ForArn(std::string_view arn) {
  const std::optional<std::string> region = RegionOfArn(arn);
  if (!region || *region == home_region_) return home_;
  std::lock_guard lock(mu_);
  if (auto it = regions_.find(*region); it != regions_.end()) return it->second.client.get();
  auto made = Make(*region);
  if (!made) return std::unexpected(made.error());
  return regions_.emplace(*region, std::move(*made)).first->second.client.get();
}

StepFunctionsCallStats StepFunctionsRegions::Stats() const {
  std::lock_guard lock(mu_);
  StepFunctionsCallStats total;
  for (const auto& [name, region] : regions_) {
    const JsonClientStats calls = region.client->json_client().Stats();
    total.calls.calls += calls.calls;
    total.calls.requests += calls.requests;
    total.calls.retries += calls.retries;
    total.calls.throttled += calls.throttled;
    if (region.limiter) {
      const RequestLimiterStats limited = region.limiter->Stats();
      total.limiter.acquired += limited.acquired;
      total.limiter.waited += limited.waited;
      total.limiter.wait_time += limited.wait_time;
    }
  }
  return total;
}

}  // namespace exidx::aws
