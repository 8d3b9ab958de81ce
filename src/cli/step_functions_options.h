// The options of the commands that call Step Functions' API at length
// (backfill, reconcile): request limits and retries.
#pragma once

#include <memory>

#include <CLI/CLI.hpp>

#include "aws/sfn_regions.h"
#include "core/error.h"

namespace exidx::cli {

struct StepFunctionsOptions {
  double max_rps = 0;  // 0: no overall limit.
  bool no_rate_limit = false;
  int max_attempts = 10;
};

void AddStepFunctionsOptions(CLI::App& command, StepFunctionsOptions& options);

// Clients of the environment's credentials and region (CONTRACT.md section
// 10) with these limits; throttling is waited out, not failed: up to
// max_attempts attempts per call, backing off up to 20 s between them.
Result<std::shared_ptr<aws::StepFunctionsRegions>> MakeStepFunctionsRegions(const StepFunctionsOptions& options);

}  // namespace exidx::cli
