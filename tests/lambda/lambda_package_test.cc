// The deployable pieces: the Lambda package (scripts/package-lambda.sh)
// started through its bootstrap inside a chroot that holds nothing but the
// unzipped package and a static shell, so that no library of this machine can
// help it; `aws cloudformation package` of the template against moto_server's
// S3, each function's uploaded code checked to be that package; and cfn-lint
// on the CloudFormation template, with a check of its live-update resources.
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <regex>
#include <set>

#include "aws/moto_server.h"
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

// The README's second deploy path. `aws cloudformation package` reads only a
// function's own CodeUri, not the one under Globals: with CodeUri in Globals
// alone it uploaded the template's directory as every function's code.
TEST(LambdaPackageTest, CloudFormationPackageUploadsThePackageAsEveryFunctionsCode) {
  const std::string aws = Which("aws", {"/root/.pyenv/shims/aws"});
  if (aws.empty()) GTEST_SKIP() << "the aws CLI is not installed";
  aws::testing::MotoServer moto;
  ASSERT_TRUE(moto.ok()) << moto.error();
  TempDir dir;
  // The repository's layout: deploy/template.yaml names ../build/exidx-lambda.zip.
  fs::create_directories(dir.File("deploy"));
  fs::create_directories(dir.File("build"));
  fs::copy_file(kSourceDir + "/deploy/template.yaml", dir.File("deploy/template.yaml"));
  auto package = RunProcess({"/usr/bin/env", "EXIDX_BINARY=" + kExidx, "OUT=" + dir.File("build/exidx-lambda.zip"),
                             kSourceDir + "/scripts/package-lambda.sh"});
  ASSERT_EQ(package.exit_status, 0) << package.out << package.err;

  auto run_aws = [&](std::vector<std::string> arguments) {
    std::vector<std::string> argv = {"/usr/bin/env",
                                     "AWS_ENDPOINT_URL=" + moto.url(),
                                     "AWS_ACCESS_KEY_ID=testing",
                                     "AWS_SECRET_ACCESS_KEY=testing",
                                     "AWS_DEFAULT_REGION=us-east-1",
                                     "AWS_CONFIG_FILE=/dev/null",
                                     "AWS_SHARED_CREDENTIALS_FILE=/dev/null",
                                     aws};
    argv.insert(argv.end(), arguments.begin(), arguments.end());
    return RunProcess(argv);
  };
  auto bucket = run_aws({"s3api", "create-bucket", "--bucket", "exidx-artifacts"});
  ASSERT_EQ(bucket.exit_status, 0) << bucket.err;
  auto packaged = run_aws({"cloudformation", "package", "--template-file", dir.File("deploy/template.yaml"),
                           "--s3-bucket", "exidx-artifacts", "--output-template-file", dir.File("packaged.yaml")});
  ASSERT_EQ(packaged.exit_status, 0) << packaged.out << packaged.err;

  const std::string output = exidx::testing::ReadFile(dir.File("packaged.yaml"));
  const std::regex code_uri(R"(CodeUri: (\S+))");
  std::vector<std::string> uris;
  for (std::sregex_iterator it(output.begin(), output.end(), code_uri), end; it != end; ++it) {
    uris.push_back((*it)[1].str());
  }
  // Index, list, reconcile and stream: each with its own CodeUri, all in the bucket.
  ASSERT_EQ(uris.size(), 4u) << output;
  for (const auto& uri : uris) {
    ASSERT_TRUE(uri.starts_with("s3://exidx-artifacts/")) << uri;
  }
  for (const auto& uri : std::set<std::string>(uris.begin(), uris.end())) {
    const std::string zip = dir.File("downloaded.zip");
    auto copy = run_aws({"s3", "cp", uri, zip});
    ASSERT_EQ(copy.exit_status, 0) << copy.err;
    auto listing = RunProcess({"/usr/bin/unzip", "-Z1", zip});
    ASSERT_EQ(listing.exit_status, 0) << listing.err;
    EXPECT_TRUE(std::regex_search(listing.out, std::regex("(^|\n)bootstrap\n"))) << uri << ":\n" << listing.out;
    EXPECT_TRUE(std::regex_search(listing.out, std::regex("(^|\n)exidx\n"))) << uri << ":\n" << listing.out;
    EXPECT_EQ(listing.out.find("template.yaml"), std::string::npos) << uri << ":\n" << listing.out;
    // The licenses: exidx's own, and each bundled library's (glibc's among them).
    for (const char* license : {"licenses/LICENSE", "licenses/NOTICE", "licenses/libc6"}) {
      EXPECT_NE(listing.out.find(std::string(license) + "\n"), std::string::npos) << license << ":\n" << listing.out;
    }
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
