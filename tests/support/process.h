// Runs a program for a test and captures what it printed.
#pragma once

#include <string>
#include <vector>

namespace exidx::testing {

struct ProcessResult {
  int exit_status = -1;  // -1 when it did not exit normally.
  std::string out;
  std::string err;
};

// Runs argv[0] with the arguments (no shell), `input` on its standard input.
ProcessResult RunProcess(const std::vector<std::string>& argv, const std::string& input = "");

void WriteFile(const std::string& path, const std::string& content);
std::string ReadFile(const std::string& path);

}  // namespace exidx::testing
