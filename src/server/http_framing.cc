// CheckRequestHeader (http_framing.h): RFC 9112 framing and Host checks.
#include "server/http_framing.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace exidx::server {

namespace http = boost::beast::http;

namespace {

// RFC 9110 section 5.6.2: tchar.
bool IsToken(std::string_view text) {
  constexpr std::string_view kSymbols = "!#$%&'*+-.^_`|~";
  return !text.empty() && std::all_of(text.begin(), text.end(), [&](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || kSymbols.find(c) != std::string_view::npos;
  });
}

std::string_view TrimSpaces(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// RFC 9112 section 3.2: Host = uri-host [ ":" port ], empty when the target
// has no authority. Only the characters are checked: reg-name, IPv4, an IP
// literal in brackets, digits of a port.
bool IsValidHost(std::string_view host) {
  constexpr std::string_view kAllowed = "-._~!$&'()*+,;=%:[]";
  return std::all_of(host.begin(), host.end(), [&](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || kAllowed.find(c) != std::string_view::npos;
  });
}

// The transfer codings of every Transfer-Encoding line, in order, lower-cased
// (names are case-insensitive, RFC 9112 section 7). Empty list elements are
// dropped (RFC 9110 section 5.6.1).
std::vector<std::string> TransferCodings(const http::request_header<>& header) {
  std::vector<std::string> codings;
  for (const auto& field : header) {
    if (field.name() != http::field::transfer_encoding) continue;
    std::string_view value = field.value();
    while (!value.empty()) {
      const std::size_t comma = value.find(',');
      std::string coding(TrimSpaces(value.substr(0, comma)));
      std::transform(coding.begin(), coding.end(), coding.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      if (!coding.empty()) codings.push_back(std::move(coding));
      value = comma == std::string_view::npos ? std::string_view() : value.substr(comma + 1);
    }
  }
  return codings;
}

HttpResponse BadFraming(std::string_view message) {
  return ProtocolErrorResponse(400, "BadRequest", message);
}

// RFC 9112 sections 6.1 and 6.3 for a request with Transfer-Encoding. Beast
// takes the body as chunked only when chunked is the last coding and
// otherwise reads no body at all, so that the body's bytes would be parsed as
// the next request: everything else is refused here.
std::optional<HttpResponse> CheckTransferEncoding(const http::request_header<>& header) {
  if (header.version() < 11) return BadFraming("Transfer-Encoding in an HTTP/1.0 request");
  if (header.count(http::field::content_length) != 0) {
    return BadFraming("a request cannot have both Transfer-Encoding and Content-Length");
  }
  const std::vector<std::string> codings = TransferCodings(header);
  if (codings.empty() || codings.back() != "chunked") {
    return BadFraming("the body's length cannot be determined: chunked is not the final transfer coding");
  }
  const auto others = std::span(codings).first(codings.size() - 1);
  if (std::find(others.begin(), others.end(), "chunked") != others.end()) {
    return BadFraming("chunked is applied more than once");
  }
  if (!others.empty()) {
    // 501, as RFC 9112 section 6.1 advises for a coding the server does not
    // implement: unlike the 400s above, the framing is sound (chunked is
    // last), only the coding is missing. The connection closes all the same,
    // the body unread. EventBridge, which retries 5xx, sends no codings.
    return ProtocolErrorResponse(
        501, "NotImplemented",
        IsToken(others.front()) ? fmt::format("transfer coding '{}' is not supported; only chunked is", others.front())
                                : std::string("only the chunked transfer coding is supported"));
  }
  return std::nullopt;
}

}  // namespace

std::optional<HttpResponse> CheckRequestHeader(const http::request_header<>& header) {
  if (header.count(http::field::transfer_encoding) != 0) {
    if (auto refused = CheckTransferEncoding(header)) return refused;
  }
  // RFC 9110 section 8.6 lets a recipient take equal values repeated (or
  // listed, "5, 5") as one, or refuse them: refused, as a sender that repeats
  // Content-Length may not agree with whoever is in between on the framing.
  const auto lengths = header.equal_range(http::field::content_length);
  if (lengths.first != lengths.second &&
      (std::next(lengths.first) != lengths.second || lengths.first->value().find(',') != std::string_view::npos)) {
    return BadFraming("more than one Content-Length");
  }
  const std::size_t hosts = header.count(http::field::host);
  if (hosts > 1) return BadFraming("more than one Host header");
  if (hosts == 0 && header.version() >= 11) return BadFraming("an HTTP/1.1 request must have a Host header");
  if (hosts == 1 && !IsValidHost(header[http::field::host])) return BadFraming("the Host header is not host[:port]");
  return std::nullopt;
}

}  // namespace exidx::server
