#include "aws/sigv4.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <sstream>

namespace exidx::aws {
namespace {

namespace fs = std::filesystem;

const fs::path kSuiteDir = fs::path(EXIDX_SOURCE_DIR) / ".." / "shared" / "aws-sigv4-test-suite";

// Every case of the suite, with why it is skipped, or "" when it must pass.
// All cases come with header-signing and query-signing (presigned URL)
// expectations; only the header-* files are checked: exidx never presigns.
const std::map<std::string, std::string>& SuiteCases() {
  static const auto* const cases = new std::map<std::string, std::string>{
      {"get-header-key-duplicate", ""},
      {"get-header-value-multiline", ""},
      {"get-header-value-order", ""},
      {"get-header-value-trim", ""},
      {"get-relative-normalized", ""},
      {"get-relative-relative-normalized", ""},
      {"get-relative-relative-unnormalized",
       "normalize=false: S3's path rule (no dot-segment removal); every other service normalises"},
      {"get-relative-unnormalized",
       "normalize=false: S3's path rule (no dot-segment removal); every other service normalises"},
      {"get-slash-dot-slash-normalized", ""},
      {"get-slash-dot-slash-unnormalized",
       "normalize=false: S3's path rule (no dot-segment removal); every other service normalises"},
      {"get-slash-normalized", ""},
      {"get-slash-pointless-dot-normalized", ""},
      {"get-slash-pointless-dot-unnormalized",
       "normalize=false: S3's path rule (no dot-segment removal); every other service normalises"},
      {"get-slash-unnormalized",
       "normalize=false: S3's path rule (no slash collapsing); every other service normalises"},
      {"get-slashes-normalized", ""},
      {"get-slashes-unnormalized",
       "normalize=false: S3's path rule (no slash collapsing); every other service normalises"},
      {"get-space-normalized", ""},
      {"get-space-unnormalized", "normalize=false: S3's path rule; every other service normalises"},
      {"get-unreserved", ""},
      {"get-utf8", ""},
      {"get-vanilla", ""},
      {"get-vanilla-empty-query-key", ""},
      {"get-vanilla-query", ""},
      {"get-vanilla-query-order-encoded", ""},
      {"get-vanilla-query-order-key-case", ""},
      {"get-vanilla-query-unreserved", ""},
      {"get-vanilla-utf8-query", ""},
      {"get-vanilla-with-session-token", ""},
      {"post-header-key-case", ""},
      {"post-header-key-sort", ""},
      {"post-header-value-case", ""},
      {"post-sts-header-after",
       "omit_session_token=true: the token is added after signing and left unsigned (an AWS IoT "
       "convention); DynamoDB and Step Functions require it signed, as post-sts-header-before checks"},
      {"post-sts-header-before", ""},
      {"post-vanilla", ""},
      {"post-vanilla-empty-query-value", ""},
      {"post-vanilla-query", ""},
      {"post-x-www-form-urlencoded", ""},
      {"post-x-www-form-urlencoded-parameters", ""},
  };
  return *cases;
}

std::string ReadFile(const fs::path& path) {
  std::ifstream file(path, std::ios::binary);
  EXPECT_TRUE(file) << "cannot read " << path;
  return std::string(std::istreambuf_iterator<char>(file), {});
}

// request.txt: "METHOD PATH HTTP/1.1", header lines (a line that starts with
// white space continues the previous value: obsolete line folding, unfolded
// into spaces as an HTTP parser does), an empty line, the body. The path is
// taken as it is on the wire.
HttpRequest ParseRequestFile(const std::string& text) {
  HttpRequest request;
  std::istringstream in(text);
  std::string line;
  std::getline(in, line);
  const std::size_t first = line.find(' ');
  const std::size_t last = line.rfind(" HTTP/");
  request.method = line.substr(0, first);
  const std::string path = line.substr(first + 1, last - first - 1);
  while (std::getline(in, line) && !line.empty()) {
    if (line.front() == ' ' || line.front() == '\t') {
      request.headers.back().second += " " + line;
      continue;
    }
    const std::size_t colon = line.find(':');
    request.headers.emplace_back(line.substr(0, colon), line.substr(colon + 1));
  }
  std::string body((std::istreambuf_iterator<char>(in)), {});
  request.body = body;
  request.url = "https://" + std::string(*HeaderValue(request.headers, "Host")) + path;
  return request;
}

// The Authorization value in header-signed-request.txt.
std::string ExpectedAuthorization(const std::string& signed_request) {
  std::istringstream in(signed_request);
  std::string line;
  while (std::getline(in, line)) {
    if (line.starts_with("Authorization:")) return line.substr(std::string_view("Authorization:").size());
  }
  return "";
}

class SigV4SuiteTest : public ::testing::TestWithParam<std::string> {};

TEST_P(SigV4SuiteTest, MatchesHeaderSigningExpectations) {
  const std::string& name = GetParam();
  const std::string& skip_reason = SuiteCases().at(name);
  if (!skip_reason.empty()) GTEST_SKIP() << skip_reason;
  const fs::path dir = kSuiteDir / name;

  const boost::json::object context = boost::json::parse(ReadFile(dir / "context.json")).as_object();
  ASSERT_EQ(context.at("normalize").as_bool(), true);
  ASSERT_FALSE(context.contains("omit_session_token") && context.at("omit_session_token").as_bool());
  const boost::json::object& keys = context.at("credentials").as_object();
  AwsCredentials credentials;
  credentials.access_key_id = keys.at("access_key_id").as_string();
  credentials.secret_access_key = keys.at("secret_access_key").as_string();
  if (keys.contains("token")) credentials.session_token = keys.at("token").as_string();
  const std::string region(context.at("region").as_string());
  const std::string service(context.at("service").as_string());
  Result<EpochMillis> time = ParseTimestamp(std::string(context.at("timestamp").as_string()));
  ASSERT_TRUE(time.has_value());

  HttpRequest request = ParseRequestFile(ReadFile(dir / "request.txt"));
  SigningParams params{.region = region,
                       .service = service,
                       .time = *time,
                       .add_content_sha256_header = context.at("sign_body").as_bool()};
  Result<SigV4Signature> signature = SignRequest(request, credentials, params);
  ASSERT_TRUE(signature.has_value()) << signature.error().message;

  EXPECT_EQ(signature->canonical_request, ReadFile(dir / "header-canonical-request.txt"));
  EXPECT_EQ(signature->string_to_sign, ReadFile(dir / "header-string-to-sign.txt"));
  EXPECT_EQ(signature->signature, ReadFile(dir / "header-signature.txt"));
  const std::string expected_authorization = ExpectedAuthorization(ReadFile(dir / "header-signed-request.txt"));
  EXPECT_EQ(signature->authorization, expected_authorization);
  EXPECT_EQ(HeaderValue(request.headers, "Authorization"), expected_authorization);
}

std::vector<std::string> CaseNames() {
  std::vector<std::string> names;
  for (const auto& [name, reason] : SuiteCases()) names.push_back(name);
  return names;
}

INSTANTIATE_TEST_SUITE_P(AwsSuite, SigV4SuiteTest, ::testing::ValuesIn(CaseNames()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name = info.param;
                           for (char& c : name) {
                             if (c == '-') c = '_';
                           }
                           return name;
                         });

// The list above is the whole suite: a case added to the folder must be
// classified, not silently left out.
TEST(SigV4Suite, ListCoversEveryCaseOnDisk) {
  ASSERT_TRUE(fs::is_directory(kSuiteDir)) << kSuiteDir;
  std::set<std::string> on_disk;
  for (const fs::directory_entry& entry : fs::directory_iterator(kSuiteDir)) {
    if (entry.is_directory()) on_disk.insert(entry.path().filename().string());
  }
  std::set<std::string> listed;
  int passing = 0;
  for (const auto& [name, reason] : SuiteCases()) {
    listed.insert(name);
    passing += reason.empty() ? 1 : 0;
  }
  EXPECT_EQ(on_disk, listed);
  EXPECT_EQ(passing, 30);
}

// ---------------------------------------------------------------- building blocks

TEST(UriEncode, KeepsOnlyUnreservedAndOptionallySlash) {
  EXPECT_EQ(UriEncode("AZaz09-._~", true), "AZaz09-._~");
  EXPECT_EQ(UriEncode("a b+c=d&e/f%", true), "a%20b%2Bc%3Dd%26e%2Ff%25");
  EXPECT_EQ(UriEncode("a b/c", false), "a%20b/c");
  EXPECT_EQ(UriEncode("\xE1\x88\xB4", true), "%E1%88%B4");
}

TEST(CanonicalUri, EncodesTheWirePathAgain) {
  // Non-S3 services sign the percent-encoded path encoded once more.
  EXPECT_EQ(CanonicalUri("/a%20b/c"), "/a%2520b/c");
  EXPECT_EQ(CanonicalUri(""), "/");
  EXPECT_EQ(CanonicalUri("/"), "/");
  EXPECT_EQ(CanonicalUri("/a/./b/../c//d/"), "/a/c/d/");
  EXPECT_EQ(CanonicalUri("/.."), "/");
  EXPECT_EQ(CanonicalUri("/a/.."), "/");
  EXPECT_EQ(CanonicalUri("/a/b/.."), "/a");
}

TEST(CanonicalQueryString, DecodesEncodesAndSorts) {
  EXPECT_EQ(CanonicalQueryString(""), "");
  EXPECT_EQ(CanonicalQueryString("b=2&a=1"), "a=1&b=2");
  EXPECT_EQ(CanonicalQueryString("a=2&a=1&a"), "a=&a=1&a=2");
  EXPECT_EQ(CanonicalQueryString("k=%e1%88%b4&s=a%20b"), "k=%E1%88%B4&s=a%20b");
  EXPECT_EQ(CanonicalQueryString("p=a+b"), "p=a%2Bb");  // '+' is a plus, not a space.
  EXPECT_EQ(CanonicalQueryString("x=%zz"), "x=%25zz");
  // Sorted by the encoded names: upper case before lower case.
  EXPECT_EQ(CanonicalQueryString("a=1&B=2&_=3"), "B=2&_=3&a=1");
}

TEST(AmzDate, FormatsUtc) {
  EXPECT_EQ(AmzDate(1440938160000), "20150830T123600Z");
  EXPECT_EQ(AmzDate(0), "19700101T000000Z");
}

TEST(Sha256Hex, EmptyAndKnown) {
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(DeriveSigningKey, MatchesTheIamUserGuideExample) {
  // The IAM user guide's example key derivation (secret wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY,
  // 20120215, us-east-1, iam).
  std::string key = DeriveSigningKey("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20120215", "us-east-1", "iam");
  std::string hex;
  for (unsigned char c : key) {
    constexpr char kDigits[] = "0123456789abcdef";
    hex += kDigits[c >> 4];
    hex += kDigits[c & 0xf];
  }
  EXPECT_EQ(hex, "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d");
}

// ---------------------------------------------------------------- SignRequest

const AwsCredentials kCredentials{.access_key_id = "AKIDEXAMPLE",
                                  .secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"};

HttpRequest DynamoDbQuery() {
  HttpRequest request;
  request.method = "POST";
  request.url = "https://dynamodb.eu-west-1.amazonaws.com/";
  request.headers = {{"Content-Type", "application/x-amz-json-1.0"}, {"X-Amz-Target", "DynamoDB_20120810.Query"}};
  request.body = R"({"TableName":"ExecutionIndex-prod"})";
  return request;
}

SigningParams Params() {
  return {.region = "eu-west-1", .service = "dynamodb", .time = 1440938160000};
}

int CountHeaders(const HttpRequest& request, std::string_view name) {
  return static_cast<int>(
      std::ranges::count_if(request.headers, [&](const auto& header) { return EqualsIgnoreCase(header.first, name); }));
}

TEST(SignRequest, AddsHostDateAndAuthorizationAndSignsThem) {
  HttpRequest request = DynamoDbQuery();
  Result<SigV4Signature> signature = SignRequest(request, kCredentials, Params());
  ASSERT_TRUE(signature.has_value());
  EXPECT_EQ(HeaderValue(request.headers, "Host"), "dynamodb.eu-west-1.amazonaws.com");
  EXPECT_EQ(HeaderValue(request.headers, "X-Amz-Date"), "20150830T123600Z");
  EXPECT_EQ(HeaderValue(request.headers, "X-Amz-Security-Token"), std::nullopt);
  EXPECT_TRUE(signature->authorization.starts_with(
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/eu-west-1/dynamodb/aws4_request, "
      "SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature="))
      << signature->authorization;
  EXPECT_TRUE(signature->canonical_request.ends_with(Sha256Hex(request.body)));
}

TEST(SignRequest, SignsTheSessionToken) {
  HttpRequest request = DynamoDbQuery();
  AwsCredentials credentials = kCredentials;
  credentials.session_token = "FwoGZXIvYXdzEXAMPLETOKEN";
  Result<SigV4Signature> signature = SignRequest(request, credentials, Params());
  ASSERT_TRUE(signature.has_value());
  EXPECT_EQ(HeaderValue(request.headers, "X-Amz-Security-Token"), "FwoGZXIvYXdzEXAMPLETOKEN");
  EXPECT_NE(signature->authorization.find("SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;"
                                          "x-amz-target,"),
            std::string::npos);
}

TEST(SignRequest, SigningAgainReplacesTheEarlierSignature) {
  HttpRequest request = DynamoDbQuery();
  AwsCredentials credentials = kCredentials;
  credentials.session_token = "token-1";
  ASSERT_TRUE(SignRequest(request, credentials, Params()).has_value());
  credentials.session_token = "token-2";
  SigningParams later = Params();
  later.time += 1000;
  Result<SigV4Signature> again = SignRequest(request, credentials, later);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(CountHeaders(request, "Authorization"), 1);
  EXPECT_EQ(CountHeaders(request, "X-Amz-Date"), 1);
  EXPECT_EQ(CountHeaders(request, "X-Amz-Security-Token"), 1);
  EXPECT_EQ(CountHeaders(request, "Host"), 1);
  EXPECT_EQ(HeaderValue(request.headers, "X-Amz-Security-Token"), "token-2");
  EXPECT_EQ(HeaderValue(request.headers, "Authorization"), again->authorization);
  // The same as signing a fresh request at that time.
  HttpRequest fresh = DynamoDbQuery();
  EXPECT_EQ(SignRequest(fresh, credentials, later)->authorization, again->authorization);
}

TEST(SignRequest, LeavesHopByHopHeadersAndUserAgentUnsigned) {
  HttpRequest request = DynamoDbQuery();
  request.headers.emplace_back("User-Agent", "exidx/0.1");
  request.headers.emplace_back("Connection", "keep-alive");
  request.headers.emplace_back("X-Amzn-Trace-Id", "Root=1-abc");
  Result<SigV4Signature> signature = SignRequest(request, kCredentials, Params());
  ASSERT_TRUE(signature.has_value());
  HttpRequest plain = DynamoDbQuery();
  EXPECT_EQ(SignRequest(plain, kCredentials, Params())->authorization, signature->authorization);
}

TEST(SignRequest, HostKeepsOnlyANonDefaultPort) {
  struct Case {
    std::string url;
    std::string host;
  };
  for (const Case& c : std::vector<Case>{{"https://Example.COM:443/", "example.com"},
                                         {"http://localhost:80", "localhost"},
                                         {"http://localhost:8000/x", "localhost:8000"},
                                         {"https://user:pw@host.example:8443/?q=1", "host.example:8443"},
                                         {"http://[::1]:9000/", "[::1]:9000"}}) {
    HttpRequest request = DynamoDbQuery();
    request.url = c.url;
    ASSERT_TRUE(SignRequest(request, kCredentials, Params()).has_value()) << c.url;
    EXPECT_EQ(HeaderValue(request.headers, "Host"), c.host) << c.url;
  }
}

TEST(SignRequest, UsesAGivenPayloadHash) {
  HttpRequest request = DynamoDbQuery();
  request.headers.emplace_back("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD");
  Result<SigV4Signature> signature = SignRequest(request, kCredentials, Params());
  ASSERT_TRUE(signature.has_value());
  EXPECT_TRUE(signature->canonical_request.ends_with("\nUNSIGNED-PAYLOAD"));
}

TEST(SignRequest, RejectsUnusableInputWithoutNamingTheSecret) {
  HttpRequest request = DynamoDbQuery();
  request.url = "dynamodb.eu-west-1.amazonaws.com/";
  Result<SigV4Signature> bad_url = SignRequest(request, kCredentials, Params());
  ASSERT_FALSE(bad_url.has_value());
  EXPECT_EQ(bad_url.error().code, ErrorCode::kInternal);

  HttpRequest ok = DynamoDbQuery();
  AwsCredentials no_secret{.access_key_id = "AKIDEXAMPLE"};
  EXPECT_FALSE(SignRequest(ok, no_secret, Params()).has_value());

  SigningParams bad_region = Params();
  bad_region.region = "eu-west-1.evil.example/";
  Result<SigV4Signature> rejected = SignRequest(ok, kCredentials, bad_region);
  ASSERT_FALSE(rejected.has_value());
  EXPECT_EQ(rejected.error().message.find(kCredentials.secret_access_key), std::string::npos);
}

}  // namespace
}  // namespace exidx::aws
