#include "aws/service_endpoint.h"

#include <algorithm>
#include <optional>

#include "aws/http_client.h"
#include "aws/shared_config.h"

namespace exidx::aws {
namespace {

constexpr ServiceNames kDynamoDb = {"AWS_ENDPOINT_URL_DYNAMODB", "dynamodb", "dynamodb"};
constexpr ServiceNames kDynamoDbStreams = {"AWS_ENDPOINT_URL_DYNAMODB_STREAMS", "streams.dynamodb", "dynamodb"};
constexpr ServiceNames kStepFunctions = {"AWS_ENDPOINT_URL_SFN", "states", "states"};
constexpr ServiceNames kSqs = {"AWS_ENDPOINT_URL_SQS", "sqs", "sqs"};

Result<std::string> CheckRegion(std::string region, std::string_view from) {
  const bool valid =
      !region.empty() && region.front() != '-' && region.back() != '-' &&
      std::ranges::all_of(region, [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; });
  if (!valid) {
    return Fail(ErrorCode::kInternal, std::string(from) + " " + Quoted(region) + " is not an AWS region name");
  }
  return region;
}

Result<std::string> CheckEndpoint(std::string url, std::string_view from) {
  const bool http = url.starts_with("http://") || url.starts_with("https://");
  if (!http || url.find_first_of(" \t\r\n") != std::string::npos) {
    return Fail(ErrorCode::kInternal, std::string(from) + " " + Quoted(url) + " is not an http(s) URL");
  }
  while (url.ends_with('/')) url.pop_back();
  return url;
}

}  // namespace

const ServiceNames& NamesOf(AwsService service) {
  switch (service) {
    case AwsService::kDynamoDb: return kDynamoDb;
    case AwsService::kDynamoDbStreams: return kDynamoDbStreams;
    case AwsService::kStepFunctions: return kStepFunctions;
    case AwsService::kSqs: return kSqs;
  }
  return kDynamoDb;
}

Result<std::string> ResolveRegion(const Environment& env) {
  for (std::string_view variable : {"AWS_REGION", "AWS_DEFAULT_REGION"}) {
    if (std::optional<std::string> region = GetSetting(env, variable)) return CheckRegion(*region, variable);
  }
  const std::string profile = ProfileName(env);
  if (std::optional<std::string> path = ConfigFilePath(env)) {
    Result<std::optional<ProfileSettings>> settings = ReadProfile(*path, SharedFileKind::kConfig, profile);
    if (!settings) return std::unexpected(settings.error());
    if (*settings) {
      auto it = (*settings)->find("region");
      if (it != (*settings)->end() && !it->second.empty()) {
        return CheckRegion(it->second, "region of profile " + Quoted(profile));
      }
    }
  }
  return Fail(ErrorCode::kInternal, "no AWS region: set AWS_REGION, AWS_DEFAULT_REGION or region in profile " +
                                        Quoted(profile) + " of the AWS config file");
}

Result<std::string> ResolveEndpoint(const Environment& env, AwsService service, std::string_view region) {
  const ServiceNames& names = NamesOf(service);
  // The profile in use, for ignore_configured_endpoint_urls, services and endpoint_url.
  ProfileSettings profile;
  const std::optional<std::string> config = ConfigFilePath(env);
  if (config) {
    auto read = ReadProfile(*config, SharedFileKind::kConfig, ProfileName(env));
    if (!read) return std::unexpected(read.error());
    if (*read) profile = std::move(**read);
  }
  auto setting = [&](std::string_view key) -> std::optional<std::string> {
    auto it = profile.find(key);
    if (it == profile.end() || it->second.empty()) return std::nullopt;
    return it->second;
  };
  std::optional<std::string> ignore = GetSetting(env, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");
  if (!ignore) ignore = setting("ignore_configured_endpoint_urls");
  if (!(ignore && EqualsIgnoreCase(*ignore, "true"))) {
    for (std::string_view variable : {names.endpoint_variable, std::string_view("AWS_ENDPOINT_URL")}) {
      if (std::optional<std::string> url = GetSetting(env, variable)) return CheckEndpoint(*url, variable);
    }
    // The config file: the service's endpoint_url in the profile's services
    // section ("dynamodb", "dynamodb_streams", "sfn", "sqs": the variable's
    // suffix in lower case), then the profile's own endpoint_url.
    if (std::optional<std::string> services = setting("services"); services && config) {
      auto section = ReadServicesSection(*config, *services);
      if (!section) return std::unexpected(section.error());
      std::string key(names.endpoint_variable.substr(std::string_view("AWS_ENDPOINT_URL_").size()));
      std::ranges::transform(key, key.begin(), [](char c) { return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c; });
      key += ".endpoint_url";
      if (*section) {
        if (auto it = (*section)->find(key); it != (*section)->end() && !it->second.empty()) {
          return CheckEndpoint(it->second, "services " + Quoted(*services) + " " + key);
        }
      }
    }
    if (std::optional<std::string> url = setting("endpoint_url")) {
      return CheckEndpoint(*url, "endpoint_url of profile " + Quoted(ProfileName(env)));
    }
  }
  Result<std::string> checked = CheckRegion(std::string(region), "region");
  if (!checked) return checked;
  const std::string_view domain = region.starts_with("cn-") ? "amazonaws.com.cn" : "amazonaws.com";
  return "https://" + std::string(names.endpoint_prefix) + "." + *checked + "." + std::string(domain);
}

}  // namespace exidx::aws
