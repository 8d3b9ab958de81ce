#include "cli/step_functions_options.h"

#include "aws/environment.h"

namespace exidx::cli {

void AddStepFunctionsOptions(CLI::App& command, StepFunctionsOptions& options) {
  command
      .add_option("--max-rps", options.max_rps,
                  "At most this many Step Functions requests per second per region, all APIs together "
                  "(default: only the per-API quotas)")
      ->check(CLI::PositiveNumber)
      ->envname("EXIDX_MAX_RPS");
  command
      .add_flag("--no-rate-limit", options.no_rate_limit,
                "Do not hold requests to Step Functions' published per-API quotas (ListExecutions, "
                "DescribeExecution, ListTagsForResource...) on the client; throttling is still retried")
      ->envname("EXIDX_NO_RATE_LIMIT");
  command
      .add_option("--max-attempts", options.max_attempts,
                  "Attempts per Step Functions call before the run stops (throttling and 5xx are retried with "
                  "backoff up to 20 s)")
      ->capture_default_str()
      ->check(CLI::Range(1, 100))
      ->envname("EXIDX_MAX_ATTEMPTS");
}

Result<std::shared_ptr<aws::StepFunctionsRegions>> MakeStepFunctionsRegions(const StepFunctionsOptions& options) {
  aws::StepFunctionsRegionsOptions regions{
      .client = {.max_attempts = options.max_attempts,
                 .retry_base = std::chrono::milliseconds(100),
                 .retry_cap = std::chrono::seconds(20)},
      .limit_to_quotas = !options.no_rate_limit,
  };
  if (options.max_rps > 0) regions.max_rps = options.max_rps;
  return aws::StepFunctionsRegions::Create(aws::AwsContext::Default(aws::Environment::Process()), regions);
}

}  // namespace exidx::cli
