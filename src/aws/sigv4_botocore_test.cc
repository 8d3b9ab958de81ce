// SignRequest against botocore's SigV4Auth, an independent implementation:
// tests/aws/botocore_sigv4_cases.py makes random DynamoDB- and Step
// Functions-shaped requests, signs them with botocore, and this test signs the
// same requests and compares the Authorization headers exactly.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>

#include "aws/sigv4.h"

namespace exidx::aws {
namespace {

struct PipeCloser {
  void operator()(FILE* pipe) const { pclose(pipe); }
};

// The cases the script prints for `count` and `seed`, one JSON object a line.
std::vector<boost::json::object> BotocoreCases(int count, unsigned seed) {
  const std::string command = std::string("python3 '") + EXIDX_SOURCE_DIR +
                              "/tests/aws/botocore_sigv4_cases.py' --count " + std::to_string(count) + " --seed " +
                              std::to_string(seed);
  std::unique_ptr<FILE, PipeCloser> pipe(popen(command.c_str(), "r"));
  EXPECT_NE(pipe, nullptr) << command;
  std::vector<boost::json::object> cases;
  if (!pipe) return cases;
  std::string line;
  char buffer[65536];
  while (std::fgets(buffer, sizeof(buffer), pipe.get()) != nullptr) {
    line += buffer;
    if (!line.ends_with('\n')) continue;
    cases.push_back(boost::json::parse(line).as_object());
    line.clear();
  }
  EXPECT_EQ(pclose(pipe.release()), 0) << "the botocore script failed: " << command;
  return cases;
}

std::string FromHex(std::string_view hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out += static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16));
  }
  return out;
}

std::string Str(const boost::json::object& object, std::string_view key) {
  return std::string(object.at(key).as_string());
}

void CheckAgainstBotocore(int count, unsigned seed) {
  SCOPED_TRACE("botocore_sigv4_cases.py --count " + std::to_string(count) + " --seed " + std::to_string(seed));
  const std::vector<boost::json::object> cases = BotocoreCases(count, seed);
  ASSERT_EQ(static_cast<int>(cases.size()), count);
  int mismatches = 0;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const boost::json::object& c = cases[i];
    HttpRequest request;
    request.method = Str(c, "method");
    request.url = Str(c, "url");
    for (const boost::json::value& header : c.at("headers").as_array()) {
      request.headers.emplace_back(header.as_array()[0].as_string(), header.as_array()[1].as_string());
    }
    request.body = FromHex(Str(c, "body_hex"));
    const AwsCredentials credentials{.access_key_id = Str(c, "access_key_id"),
                                     .secret_access_key = Str(c, "secret_access_key"),
                                     .session_token = Str(c, "session_token")};
    const std::string region = Str(c, "region");
    const std::string service = Str(c, "service");
    const SigningParams params{.region = region, .service = service, .time = c.at("time_millis").as_int64()};
    Result<SigV4Signature> signature = SignRequest(request, credentials, params);
    ASSERT_TRUE(signature.has_value()) << "case " << i << ": " << signature.error().message;
    if (signature->authorization != Str(c, "authorization")) {
      ++mismatches;
      ADD_FAILURE() << "case " << i << " (" << request.url << ")\n  ours:     " << signature->authorization
                    << "\n  botocore: " << Str(c, "authorization") << "\n--- our canonical request:\n"
                    << signature->canonical_request << "\n--- botocore's:\n"
                    << Str(c, "canonical_request");
      if (mismatches >= 5) return;
    }
    EXPECT_EQ(signature->string_to_sign, Str(c, "string_to_sign")) << "case " << i;
  }
}

TEST(SigV4Botocore, FixedSeedCasesMatchExactly) {
  CheckAgainstBotocore(1000, 20150830);
}

// A new seed each run widens the search; the trace names it to replay a failure.
TEST(SigV4Botocore, FreshSeedCasesMatchExactly) {
  const auto seed = static_cast<unsigned>(std::chrono::system_clock::now().time_since_epoch().count());
  CheckAgainstBotocore(500, seed);
}

}  // namespace
}  // namespace exidx::aws
