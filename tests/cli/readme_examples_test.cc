// The README's command-line examples, run as a new user would: each line of
// the fenced block after the marker `<!-- tested: cli-examples -->`, in a
// scratch directory, with the built exidx first on PATH.
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>
#include <sstream>

#include "support/process.h"
#include "support/temp_dir.h"

namespace exidx::testing {
namespace {

const std::string kReadme = EXIDX_SOURCE_DIR "/README.md";
const std::string kBinaryDir = EXIDX_BINARY_DIR "/src/cli";

// The lines of the ```sh block that follows `marker` in `text`.
std::vector<std::string> MarkedBlock(const std::string& text, std::string_view marker) {
  const std::size_t at = text.find(marker);
  if (at == std::string::npos) return {};
  std::istringstream in(text.substr(at));
  std::string line;
  std::getline(in, line);  // The marker's own line.
  std::getline(in, line);
  if (line != "```sh") return {};
  std::vector<std::string> lines;
  while (std::getline(in, line) && line != "```") {
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

// `text` in single quotes for bash.
std::string ShellQuoted(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

TEST(ReadmeExamplesTest, EveryMarkedCommandLineRunsAndTheQueryFindsExecutions) {
  const std::vector<std::string> lines = MarkedBlock(ReadFile(kReadme), "<!-- tested: cli-examples");
  ASSERT_GE(lines.size(), 3u) << "the README's marked block of command-line examples";
  TempDir scratch("readme");
  const std::regex summary(R"(\((\d+) executions?(, more)?\)\n)");
  int queries = 0;
  for (const std::string& line : lines) {
    SCOPED_TRACE(line);
    ASSERT_TRUE(line.starts_with("exidx ")) << "each line is one exidx command";
    const std::string script = "set -o pipefail; cd " + ShellQuoted(scratch.path().string()) +
                               " && export PATH=" + ShellQuoted(kBinaryDir) + ":\"$PATH\" && " + line;
    const ProcessResult run = RunProcess({"/bin/bash", "-c", script});
    ASSERT_EQ(run.exit_status, 0) << run.err;
    if (line.starts_with("exidx query") && line.find("--format") == std::string::npos) {
      ++queries;
      std::smatch match;
      ASSERT_TRUE(std::regex_search(run.out, match, summary)) << run.out;
      EXPECT_GT(std::stoi(match[1]), 0) << "the example finds executions in freshly simulated data:\n" << run.out;
    }
  }
  EXPECT_GE(queries, 1) << "the block shows a query";
}

}  // namespace
}  // namespace exidx::testing
