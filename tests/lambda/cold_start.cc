// Measures `exidx lambda` cold starts against the fake Runtime API: from
// process start to the first invocation's response, for the binary started
// directly and for the package started through its bootstrap (bundled loader
// and libraries). A measurement, not a test: prints figures, checks nothing.
//   lambda_cold_start <unzipped package dir> [runs]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "lambda/lambda_test_support.h"
#include "support/temp_dir.h"

using namespace exidx::lambda::testing;

namespace {

double OneRun(const std::vector<std::string>& argv, const std::string& handler, const std::string& store,
              const std::string& log) {
  FakeRuntimeApi runtime;
  runtime.Enqueue(handler == "list" ? R"({"fieldName":"listExecutionsFromIndex","arguments":{"maxResults":10}})"
                                    : SampleEvents()[0]);
  const auto started = std::chrono::steady_clock::now();
  LambdaProcess process({.argv = argv,
                         .env = {{"AWS_LAMBDA_RUNTIME_API", runtime.address()},
                                 {"_HANDLER", handler},
                                 {"EXIDX_STORE", store},
                                 {"EXIDX_INDEX_ALL", "true"},
                                 {"EXIDX_TAGS_FILE", std::nullopt},
                                 {"EXECUTION_INDEX_TABLE_NAME", std::nullopt}},
                         .log_path = log});
  auto results = runtime.WaitForResults(1);
  const auto answered = std::chrono::steady_clock::now();
  if (results.empty() || results[0].is_error) {
    std::fprintf(stderr, "run failed: %s\n", process.Log().c_str());
    return -1;
  }
  return std::chrono::duration<double, std::milli>(answered - started).count();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: lambda_cold_start <unzipped package dir> [runs]\n");
    return 2;
  }
  const std::string package = argv[1];
  const int runs = argc > 2 ? std::stoi(argv[2]) : 10;
  exidx::testing::TempDir dir;
  struct Shape {
    const char* name;
    std::vector<std::string> argv;
  };
  const std::vector<Shape> shapes = {{"binary", {kExidx, "lambda"}}, {"package", {package + "/bootstrap"}}};
  for (const char* handler : {"index", "list"}) {
    for (const Shape& shape : shapes) {
      std::vector<double> millis;
      for (int i = 0; i < runs; ++i) {
        const std::string store = dir.File(std::string(handler) + "-" + shape.name + "-" + std::to_string(i));
        const double ms = OneRun(shape.argv, handler, store, dir.File("run.log"));
        if (ms < 0) return 1;
        millis.push_back(ms);
      }
      std::sort(millis.begin(), millis.end());
      std::printf("%-5s %-7s runs=%d min=%.1f ms median=%.1f ms max=%.1f ms\n", handler, shape.name, runs,
                  millis.front(), millis[millis.size() / 2], millis.back());
    }
  }
  return 0;
}
