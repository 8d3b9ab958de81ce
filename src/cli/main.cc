// exidx: the Execution Index command line.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <iostream>
#include <string>

#include "cli/command_suggestion.h"
#include "cli/commands.h"
#include "cli/version.h"

namespace exidx::cli {

int ReportError(const Error& error) {
  std::cerr << "exidx: " << error.message << '\n';
  const bool bad_usage = error.code == ErrorCode::kInvalidParameter || error.code == ErrorCode::kInvalidToken;
  return bad_usage ? 2 : 1;
}

namespace {

// "exidx 0.1.0 (commit 0123456789ab)", without the commit outside a git checkout.
std::string VersionLine() {
  if (kGitCommit[0] == '\0') {
    return fmt::format("exidx {}", kVersion);
  }
  return fmt::format("exidx {} (commit {})", kVersion, kGitCommit);
}

}  // namespace

}  // namespace exidx::cli

int main(int argc, char** argv) {
  CLI::App app{
      "Execution Index: find AWS Step Functions executions by agent, status and start date, "
      "newest first, a page at a time.",
      "exidx"};
  app.require_subcommand(1);
  app.set_version_flag("--version", exidx::cli::VersionLine());
  int exit_status = 0;
  exidx::cli::AddBackfillCommand(app, exit_status);
  exidx::cli::AddIngestCommand(app, exit_status);
  exidx::cli::AddInitCommand(app, exit_status);
  exidx::cli::AddLambdaCommand(app, exit_status);
  exidx::cli::AddMigrateCommand(app, exit_status);
  exidx::cli::AddQueryCommand(app, exit_status);
  exidx::cli::AddReconcileCommand(app, exit_status);
  exidx::cli::AddReplayDlqCommand(app, exit_status);
  exidx::cli::AddServeCommand(app, exit_status);
  exidx::cli::AddStatsCommand(app, exit_status);
  exidx::cli::AddSimulateCommand(app, exit_status);
  exidx::cli::AddTagsCommand(app, exit_status);
  if (auto unknown = exidx::cli::UnknownCommandMessage(app, argc, argv)) {
    std::cerr << *unknown << '\n';
    return 2;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ExtrasError& e) {
    // Named with the closest option of the innermost subcommand given.
    const CLI::App* command = &app;
    while (!command->get_subcommands().empty()) command = command->get_subcommands().front();
    std::vector<std::string> unknown;
    for (const std::string& arg : command->remaining()) {
      if (arg.starts_with("-")) unknown.push_back(arg);
    }
    if (unknown.empty()) {
      app.exit(e);
    } else {
      std::cerr << exidx::cli::UnknownOptionMessage(*command, unknown) << '\n';
    }
    return 2;
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return 2;
  }
  return exit_status;
}
