// AWS Signature Version 4 for headers, with the rules of every service but S3:
// the URI path is normalised (dot segments and repeated slashes removed) and
// URI-encoded once more on top of its wire encoding ("double encoding"); the
// payload is always hashed.
//
// Reference: the SigV4 chapter of the IAM user guide. Checked against AWS's
// test suite (aws-c-auth) and botocore's signer; see sigv4_test.cc.
#pragma once

#include <string>
#include <string_view>

#include "aws/credentials.h"
#include "aws/http_client.h"
#include "core/error.h"
#include "core/time.h"

namespace exidx::aws {

struct SigningParams {
  std::string_view region;   // "eu-west-1"
  std::string_view service;  // The signing name: "dynamodb", "states".
  EpochMillis time = 0;      // The request's time; AWS rejects one more than 5 minutes off.
  // Also adds and signs X-Amz-Content-Sha256 with the payload hash (S3,
  // Glacier); DynamoDB and Step Functions do not need it.
  bool add_content_sha256_header = false;
};

// The steps of one signature, so that tests compare each with a reference.
struct SigV4Signature {
  // Holds the signed header values, the session token among them: never log.
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;      // 64 lowercase hex digits.
  std::string authorization;  // The Authorization header's value.
};

// Signs `request` in place. Sets X-Amz-Date, X-Amz-Security-Token (when the
// credentials have a session token) and Authorization, replacing any earlier
// ones, so that a request can be signed again for a retry; adds Host (from the
// URL, default port left out) unless present. Signs every header of the
// request except Authorization and hop-by-hop or proxy-rewritten ones
// (Connection, Expect, Keep-Alive, Proxy-*, TE, Trailer, Transfer-Encoding,
// Upgrade, User-Agent, X-Amzn-Trace-Id): so the headers a caller sets must go
// on the wire unchanged, which HttpClient guarantees. The payload hash is
// SHA-256 of the body, unless the request has an X-Amz-Content-Sha256 header
// (and add_content_sha256_header is false): then that header's value.
// REQUIRES: request.url is absolute with its path and query percent-encoded
// (spaces as %20, '+' as %2B).
// Returns kInternal for an unusable URL, region, service or credentials; the
// message names no secret.
Result<SigV4Signature> SignRequest(HttpRequest& request, const AwsCredentials& credentials,
                                   const SigningParams& params);

// The building blocks, exposed for tests and for composing request URLs.

// Percent-encodes every byte but the unreserved A-Z a-z 0-9 - . _ ~ (and '/'
// when !encode_slash), with upper-case hex digits.
std::string UriEncode(std::string_view input, bool encode_slash);

// The canonical URI of a wire path: dot segments and empty segments removed
// (a trailing slash kept), "/" for an empty path, then UriEncode'd with
// slashes kept.
std::string CanonicalUri(std::string_view path);

// The canonical query string of a wire query (without '?'): each name and
// value percent-decoded, then UriEncode'd, pairs sorted by name then value,
// "name=value" joined by '&' ("name=" for a name without value).
std::string CanonicalQueryString(std::string_view query);

// "YYYYMMDDTHHMMSSZ" (UTC) as X-Amz-Date takes it.
// REQUIRES: kMinEpochMillis <= time <= kMaxEpochMillis.
std::string AmzDate(EpochMillis time);

// SHA-256 of data, 64 lowercase hex digits.
std::string Sha256Hex(std::string_view data);

// The derived signing key (raw 32 bytes) for a day "YYYYMMDD", region and service.
std::string DeriveSigningKey(std::string_view secret_access_key, std::string_view date, std::string_view region,
                             std::string_view service);

}  // namespace exidx::aws
