// LogSink: where the runtime loop and the handlers send their lines. Each
// line has a kind; `exidx lambda` writes every line to standard error as one
// JSON object (CloudWatch Logs then parses and filters them, as it does the
// server's): a kMetrics line is already one (CloudWatch's embedded metric
// format, from which CloudWatch takes the metrics) and is written as is; the
// others become {"time":...,"level":"info"|"warn"|"error","msg":<line>,...}.
#pragma once

#include <functional>
#include <string>

namespace exidx::lambda {

enum class LogKind {
  kInfo,     // What happened, e.g. a batch's counts.
  kWarning,  // A failure that is retried: a record reported as the batch's first failure.
  kError,    // A failed invocation, or one whose error could not be reported.
  kMetrics,  // One JSON object in CloudWatch's embedded metric format.
};

// May be empty: then nothing is logged. Called from one thread at a time per
// handler, but the loop's and a handler's calls may overlap.
using LogSink = std::function<void(LogKind kind, const std::string& line)>;

}  // namespace exidx::lambda
