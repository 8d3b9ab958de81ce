// The subcommands of `exidx`. Each Add*Command registers its options on `app`
// and, when run, stores its exit status in `exit_status`: 0 success, 1 runtime
// error, 2 bad usage (CONTRACT.md section 9).
#pragma once

#include <CLI/CLI.hpp>

#include "core/error.h"

namespace exidx::cli {

void AddBackfillCommand(CLI::App& app, int& exit_status);
void AddIngestCommand(CLI::App& app, int& exit_status);
void AddInitCommand(CLI::App& app, int& exit_status);
void AddLambdaCommand(CLI::App& app, int& exit_status);
void AddMigrateCommand(CLI::App& app, int& exit_status);
void AddQueryCommand(CLI::App& app, int& exit_status);
void AddReconcileCommand(CLI::App& app, int& exit_status);
void AddReplayDlqCommand(CLI::App& app, int& exit_status);
void AddServeCommand(CLI::App& app, int& exit_status);
void AddStatsCommand(CLI::App& app, int& exit_status);
void AddTagsCommand(CLI::App& app, int& exit_status);
void AddSimulateCommand(CLI::App& app, int& exit_status);

// Prints "exidx: <message>" to stderr; the exit status for the error: 2 for
// bad arguments, 1 for anything else.
int ReportError(const Error& error);

}  // namespace exidx::cli
