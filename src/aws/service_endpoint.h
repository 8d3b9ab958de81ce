// Where requests to an AWS service go: the region and the endpoint URL, from
// the environment and the shared config file as the AWS SDKs find them.
#pragma once

#include <string>
#include <string_view>

#include "aws/environment.h"
#include "core/error.h"

namespace exidx::aws {

// kDynamoDbStreams: DynamoDB Streams, whose host is
// streams.dynamodb.<region>.amazonaws.com and whose requests are signed as
// "dynamodb" (its X-Amz-Target prefix is DynamoDBStreams_20120810).
// kSqs: SQS over its JSON 1.0 protocol (X-Amz-Target prefix AmazonSQS), for
// replaying the dead-letter queue (indexer/dead_letter_replay.h).
enum class AwsService { kDynamoDb, kDynamoDbStreams, kStepFunctions, kSqs };

struct ServiceNames {
  std::string_view endpoint_variable;  // "AWS_ENDPOINT_URL_DYNAMODB"
  std::string_view endpoint_prefix;    // "dynamodb": the host's first label
  std::string_view signing_name;       // "dynamodb": SigningParams::service
};

const ServiceNames& NamesOf(AwsService service);

// AWS_REGION, then AWS_DEFAULT_REGION, then `region` of the profile in use
// (ProfileName) in the config file. Returns kInternal when none is set, when
// the config file cannot be read, or when the region is not lower-case
// letters, digits and '-' (it becomes part of a host name).
Result<std::string> ResolveRegion(const Environment& env);

// The service's base URL, without a trailing slash, as the AWS SDKs find it:
// AWS_ENDPOINT_URL_<SERVICE>, then AWS_ENDPOINT_URL, then in the config file
// the service's endpoint_url in the `services` section the profile in use
// names (e.g. "[services local]" with "dynamodb =\n  endpoint_url = URL"),
// then the profile's endpoint_url (all of them ignored when
// AWS_IGNORE_CONFIGURED_ENDPOINT_URLS, else the profile's
// ignore_configured_endpoint_urls, is true), then
// https://<endpoint_prefix>.<region>.amazonaws.com (amazonaws.com.cn for the
// cn- regions). Returns kInternal for a configured URL that is not http(s), an
// invalid region, or a config file that cannot be read.
Result<std::string> ResolveEndpoint(const Environment& env, AwsService service, std::string_view region);

}  // namespace exidx::aws
