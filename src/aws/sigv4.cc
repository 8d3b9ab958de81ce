#include "aws/sigv4.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <array>
#include <map>
#include <utility>
#include <vector>

namespace exidx::aws {
namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
constexpr std::string_view kHexDigits = "0123456789abcdef";
constexpr std::string_view kUpperHexDigits = "0123456789ABCDEF";

// Headers never signed: the result of signing, and those that proxies and
// HTTP stacks add, drop or rewrite on the way (botocore's list).
constexpr std::array<std::string_view, 12> kUnsignedHeaders = {
    "authorization", "connection",        "expect",  "keep-alive", "proxy-authenticate", "proxy-authorization", "te",
    "trailer",       "transfer-encoding", "upgrade", "user-agent", "x-amzn-trace-id",
};

std::string Hex(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += kHexDigits[c >> 4];
    out += kHexDigits[c & 0xf];
  }
  return out;
}

std::string HmacSha256(std::string_view key, std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), digest, &length);
  return std::string(reinterpret_cast<const char*>(digest), length);
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

// Trimmed, and each run of white space inside made one space.
std::string TrimAll(std::string_view value) {
  std::string out;
  bool pending_space = false;
  for (char c : value) {
    if (IsSpace(c)) {
      pending_space = !out.empty();
    } else {
      if (pending_space) out += ' ';
      pending_space = false;
      out += c;
    }
  }
  return out;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// %XX decoded; a '%' not followed by two hex digits stays as it is.
std::string PercentDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && HexValue(s[i + 1]) >= 0 && HexValue(s[i + 2]) >= 0) {
      out += static_cast<char>(HexValue(s[i + 1]) * 16 + HexValue(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// RFC 3986 section 5.2.4, plus the removal of empty segments that AWS
// services other than S3 expect (as botocore's remove_dot_segments).
std::string NormalizePath(std::string_view path) {
  if (path.empty()) return "/";
  std::vector<std::string_view> segments;
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t end = std::min(path.find('/', start), path.size());
    std::string_view segment = path.substr(start, end - start);
    if (segment == "..") {
      if (!segments.empty()) segments.pop_back();
    } else if (!segment.empty() && segment != ".") {
      segments.push_back(segment);
    }
    start = end + 1;
  }
  std::string out = path.front() == '/' ? "/" : "";
  for (std::size_t i = 0; i < segments.size(); ++i) {
    if (i > 0) out += '/';
    out += segments[i];
  }
  if (path.back() == '/' && !segments.empty()) out += '/';
  return out;
}

struct UrlParts {
  std::string host;  // As the Host header: lower case, default port left out.
  std::string_view path;
  std::string_view query;
};

Result<UrlParts> SplitUrl(std::string_view url) {
  const std::size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos || scheme_end == 0) {
    return Fail(ErrorCode::kInternal, "cannot sign a request whose URL is not absolute");
  }
  const std::string scheme = Lower(url.substr(0, scheme_end));
  std::string_view rest = url.substr(scheme_end + 3);
  rest = rest.substr(0, rest.find('#'));
  const std::size_t authority_end = std::min(rest.find_first_of("/?"), rest.size());
  std::string_view authority = rest.substr(0, authority_end);
  if (std::size_t at = authority.rfind('@'); at != std::string_view::npos) authority.remove_prefix(at + 1);
  if (authority.empty()) return Fail(ErrorCode::kInternal, "cannot sign a request whose URL has no host");
  UrlParts parts;
  parts.host = Lower(authority);
  const std::size_t colon = parts.host.rfind(':');
  if (colon != std::string::npos && parts.host.find(']', colon) == std::string::npos) {
    std::string_view port = std::string_view(parts.host).substr(colon + 1);
    if ((scheme == "http" && port == "80") || (scheme == "https" && port == "443") || port.empty()) {
      parts.host.resize(colon);
    }
  }
  std::string_view path_and_query = rest.substr(authority_end);
  const std::size_t question = path_and_query.find('?');
  parts.path = path_and_query.substr(0, question);
  if (question != std::string_view::npos) parts.query = path_and_query.substr(question + 1);
  return parts;
}

void RemoveHeader(HttpHeaders& headers, std::string_view name) {
  std::erase_if(headers, [&](const auto& header) { return EqualsIgnoreCase(header.first, name); });
}

struct CanonicalHeaders {
  std::string block;         // "name:value\n" for each, sorted by name.
  std::string signed_names;  // "name1;name2".
};

CanonicalHeaders Canonicalize(const HttpHeaders& headers) {
  std::map<std::string, std::string> values;  // Sorted by lower-case name.
  for (const auto& [name, value] : headers) {
    std::string lower = Lower(name);
    if (std::ranges::find(kUnsignedHeaders, lower) != kUnsignedHeaders.end()) continue;
    auto [it, inserted] = values.try_emplace(std::move(lower), TrimAll(value));
    if (!inserted) {  // Repeated header: values joined by commas, in order.
      it->second += ',';
      it->second += TrimAll(value);
    }
  }
  CanonicalHeaders out;
  for (const auto& [name, value] : values) {
    out.block += name + ":" + value + "\n";
    if (!out.signed_names.empty()) out.signed_names += ';';
    out.signed_names += name;
  }
  return out;
}

bool IsSigningName(std::string_view s) {
  return !s.empty() && std::ranges::all_of(s, [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
  });
}

}  // namespace

std::string UriEncode(std::string_view input, bool encode_slash) {
  std::string out;
  out.reserve(input.size());
  for (unsigned char c : input) {
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                            c == '.' || c == '_' || c == '~';
    if (unreserved || (c == '/' && !encode_slash)) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kUpperHexDigits[c >> 4];
      out += kUpperHexDigits[c & 0xf];
    }
  }
  return out;
}

std::string CanonicalUri(std::string_view path) {
  return UriEncode(NormalizePath(path), false);
}

std::string CanonicalQueryString(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> pairs;
  std::size_t start = 0;
  while (start <= query.size()) {
    std::size_t end = std::min(query.find('&', start), query.size());
    std::string_view pair = query.substr(start, end - start);
    if (!pair.empty()) {
      std::size_t equals = pair.find('=');
      std::string_view name = pair.substr(0, equals);
      std::string_view value = equals == std::string_view::npos ? "" : pair.substr(equals + 1);
      pairs.emplace_back(UriEncode(PercentDecode(name), true), UriEncode(PercentDecode(value), true));
    }
    start = end + 1;
  }
  std::ranges::sort(pairs);
  std::string out;
  for (const auto& [name, value] : pairs) {
    if (!out.empty()) out += '&';
    out += name + "=" + value;
  }
  return out;
}

std::string AmzDate(EpochMillis time) {
  // "2015-08-30T12:36:00.000Z" -> "20150830T123600Z"
  const std::string iso = FormatTimestamp(time);
  std::string out;
  for (char c : std::string_view(iso).substr(0, 19)) {
    if (c != '-' && c != ':') out += c;
  }
  return out + "Z";
}

std::string Sha256Hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha256(), nullptr);
  return Hex(std::string_view(reinterpret_cast<const char*>(digest), length));
}

std::string DeriveSigningKey(std::string_view secret_access_key, std::string_view date, std::string_view region,
                             std::string_view service) {
  std::string secret = "AWS4";
  secret.append(secret_access_key);
  std::string key = HmacSha256(secret, date);
  key = HmacSha256(key, region);
  key = HmacSha256(key, service);
  return HmacSha256(key, "aws4_request");
}

Result<SigV4Signature> SignRequest(HttpRequest& request, const AwsCredentials& credentials,
                                   const SigningParams& params) {
  if (credentials.access_key_id.empty() || credentials.secret_access_key.empty()) {
    return Fail(ErrorCode::kInternal, "cannot sign a request without an access key id and secret key");
  }
  if (!IsSigningName(params.region)) {
    return Fail(ErrorCode::kInternal, "cannot sign for region " + Quoted(params.region));
  }
  if (!IsSigningName(params.service)) {
    return Fail(ErrorCode::kInternal, "cannot sign for service " + Quoted(params.service));
  }
  if (params.time < kMinEpochMillis || params.time > kMaxEpochMillis) {
    return Fail(ErrorCode::kInternal, "cannot sign a request at a time outside years 0000-9999");
  }
  Result<UrlParts> url = SplitUrl(request.url);
  if (!url) return std::unexpected(url.error());

  const std::string amz_date = AmzDate(params.time);
  const std::string date = amz_date.substr(0, 8);
  HttpHeaders& headers = request.headers;
  // A payload hash the caller set (e.g. UNSIGNED-PAYLOAD) is the one signed.
  std::optional<std::string_view> given_hash = HeaderValue(headers, "X-Amz-Content-Sha256");
  const std::string payload_hash =
      given_hash && !params.add_content_sha256_header ? std::string(*given_hash) : Sha256Hex(request.body);

  RemoveHeader(headers, "Authorization");
  RemoveHeader(headers, "X-Amz-Date");
  RemoveHeader(headers, "X-Amz-Security-Token");
  if (!HeaderValue(headers, "Host")) headers.emplace_back("Host", url->host);
  headers.emplace_back("X-Amz-Date", amz_date);
  if (!credentials.session_token.empty()) {
    headers.emplace_back("X-Amz-Security-Token", credentials.session_token);
  }
  if (params.add_content_sha256_header) {
    RemoveHeader(headers, "X-Amz-Content-Sha256");
    headers.emplace_back("X-Amz-Content-Sha256", payload_hash);
  }

  const CanonicalHeaders canonical_headers = Canonicalize(headers);
  SigV4Signature result;
  result.canonical_request = request.method + "\n" + CanonicalUri(url->path) + "\n" + CanonicalQueryString(url->query) +
                             "\n" + canonical_headers.block + "\n" + canonical_headers.signed_names + "\n" +
                             payload_hash;
  const std::string scope =
      date + "/" + std::string(params.region) + "/" + std::string(params.service) + "/aws4_request";
  result.string_to_sign =
      std::string(kAlgorithm) + "\n" + amz_date + "\n" + scope + "\n" + Sha256Hex(result.canonical_request);
  const std::string key = DeriveSigningKey(credentials.secret_access_key, date, params.region, params.service);
  result.signature = Hex(HmacSha256(key, result.string_to_sign));
  result.authorization = std::string(kAlgorithm) + " Credential=" + credentials.access_key_id + "/" + scope +
                         ", SignedHeaders=" + canonical_headers.signed_names + ", Signature=" + result.signature;
  headers.emplace_back("Authorization", result.authorization);
  return result;
}

}  // namespace exidx::aws
