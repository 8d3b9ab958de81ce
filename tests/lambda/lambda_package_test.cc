// The deployable pieces: the Lambda package (scripts/package-lambda.sh)
// started through its bootstrap inside a chroot that holds nothing but the
// unzipped package and a static shell, so that no library of this machine can
// help it; and cfn-lint on the CloudFormation template, with a check of its
// live-update resources.
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>

#include "lambda/lambda_test_support.h"
#include "support/temp_dir.h"

namespace exidx::lambda::testing {
namespace {

namespace fs = std::filesystem;
using exidx::testing::RunProcess;
using exidx::testing::TempDir;

const std::string kSourceDir = EXIDX_SOURCE_DIR;

std::string Which(const std::string& program, const std::vector<std::string>& also = {}) {
  auto found = RunProcess({"/bin/sh", "-c", "command -v " + program});
  if (found.exit_status == 0) return found.out.substr(0, found.out.find('\n'));
  for (const auto& path : also) {
    if (access(path.c_str(), X_OK) == 0) return path;
  }
  return "";
}

TEST(LambdaPackageTest, BootstrapAnswersFromAChrootHoldingOnlyThePackage) {
  if (geteuid() != 0) GTEST_SKIP() << "chroot needs root (CI runs as root); run as root to test the package";
  const std::string busybox = fs::exists("/bin/busybox") ? "/bin/busybox" : "";
  if (busybox.empty()) {
    GTEST_SKIP() << "no static shell: install busybox-static (scripts/install-deps.sh does)";
  }
  TempDir dir;
  const std::string zip = dir.File("exidx-lambda.zip");
  auto package =
      RunProcess({"/usr/bin/env", "EXIDX_BINARY=" + kExidx, "OUT=" + zip, kSourceDir + "/scripts/package-lambda.sh"});
  ASSERT_EQ(package.exit_status, 0) << package.out << package.err;
  const std::string root = dir.File("root");
  auto unzip = RunProcess({"/usr/bin/unzip", "-q", zip, "-d", root});
  ASSERT_EQ(unzip.exit_status, 0) << unzip.err;
  fs::create_directories(root + "/bin");
  fs::create_directories(root + "/tmp");
  fs::copy_file(busybox, root + "/bin/sh");
  ASSERT_FALSE(fs::exists(root + "/lib64")) << "the chroot must not hold a system loader";

  const auto events = SampleEvents();
  auto start = [&](const std::string& handler, FakeRuntimeApi& runtime) {
    return std::make_unique<LambdaProcess>(LambdaProcessOptions{.argv = {"/bootstrap"},
                                                                .env = {{"AWS_LAMBDA_RUNTIME_API", runtime.address()},
                                                                        {"_HANDLER", handler},
                                                                        {"LAMBDA_TASK_ROOT", "/"},
                                                                        {"EXIDX_STORE", "/tmp/store"},
                                                                        {"EXIDX_INDEX_ALL", "true"},
                                                                        {"EXIDX_TAGS_FILE", std::nullopt},
                                                                        {"EXECUTION_INDEX_TABLE_NAME", std::nullopt},
                                                                        {"LD_LIBRARY_PATH", "/nonexistent"}},
                                                                .log_path = dir.File(handler + ".log"),
                                                                .chroot = root});
  };
  {
    FakeRuntimeApi runtime;
    runtime.Enqueue(events[0]);
    auto lambda = start("index", runtime);
    auto results = runtime.WaitForResults(1);
    ASSERT_EQ(results.size(), 1u) << lambda->Log();
    ASSERT_FALSE(results[0].is_error) << results[0].body;
    EXPECT_EQ(ParseObject(results[0].body).at("indexed").as_int64(), 1) << results[0].body;
  }  // The fake answers the next long poll with 500: the runtime exits.
  {
    FakeRuntimeApi runtime;
    runtime.Enqueue(R"({"typeName":"Query","fieldName":"listExecutionsFromIndex","arguments":{"maxResults":5}})");
    auto lambda = start("list", runtime);
    auto results = runtime.WaitForResults(1);
    ASSERT_EQ(results.size(), 1u) << lambda->Log();
    ASSERT_FALSE(results[0].is_error) << results[0].body;
    const auto page = ParseObject(results[0].body);
    ASSERT_EQ(page.at("executions").as_array().size(), 1u) << results[0].body;
    EXPECT_EQ(page.at("executions").at(0).at("agentName").as_string(), "sql-agent-prod");
  }
}

TEST(LambdaPackageTest, TemplatePassesCfnLint) {
  const std::string cfn_lint = Which("cfn-lint", {"/root/.pyenv/shims/cfn-lint"});
  if (cfn_lint.empty()) GTEST_SKIP() << "cfn-lint is not installed";
  auto lint = RunProcess({cfn_lint, kSourceDir + "/deploy/template.yaml"});
  EXPECT_EQ(lint.exit_status, 0) << lint.out << lint.err;
}

// The live-update resources as the README describes them: the event source
// mapping's retry and failure settings, and the stream role's grants, each
// action on its one resource.
TEST(LambdaPackageTest, TemplateWiresTheStreamFunctionWithLeastPrivilege) {
  if (RunProcess({"/usr/bin/env", "python3", "-c", "import cfnlint.decode"}).exit_status != 0) {
    GTEST_SKIP() << "python3 with cfn-lint is not installed";
  }
  auto check = RunProcess({"/usr/bin/env", "python3", kSourceDir + "/tests/lambda/check_stream_template.py",
                           kSourceDir + "/deploy/template.yaml"});
  EXPECT_EQ(check.exit_status, 0) << check.out << check.err;
}

}  // namespace
}  // namespace exidx::lambda::testing
