// Hostile HTTP against the real `exidx serve`: requests a client, a proxy or
// an attacker may send byte for byte (bad framing, request smuggling,
// oversize, slow clients, pipelining, bad UTF-8, odd headers). Each case is a
// row of a table: the raw bytes, the answers expected in order and whether
// the server must close the connection. Every row also checks that error
// bodies are JSON in valid UTF-8, that the server still answers afterwards,
// and that no event was applied that should not have been.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cstdint>
#include <fmt/format.h>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "server/http_client.h"
#include "server/server_process.h"
#include "server/test_events.h"
#include "support/process.h"
#include "support/temp_dir.h"

namespace exidx::testing {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

const std::string kExidx = EXIDX_BINARY_DIR "/src/cli/exidx";
constexpr std::int64_t kT0 = 1'759'140'000'000;  // 2025-09-29T10:00:00Z
constexpr auto kWait = 10s;                      // For answers that should come at once.
const std::string kReadKey = "read-key-1";
const std::string kIngestKey = "ingest-key-1";

// Strict UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing above U+10FFFF.
bool IsValidUtf8(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
    const unsigned char lead = byte(i);
    std::size_t length = 0;
    unsigned char min = 0x80, max = 0xBF;  // Bounds of the byte after the lead.
    if (lead < 0x80) {
      ++i;
      continue;
    } else if (lead >= 0xC2 && lead <= 0xDF) {
      length = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      length = 3;
      if (lead == 0xE0) min = 0xA0;
      if (lead == 0xED) max = 0x9F;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      length = 4;
      if (lead == 0xF0) min = 0x90;
      if (lead == 0xF4) max = 0x8F;
    } else {
      return false;
    }
    if (i + length > text.size() || byte(i + 1) < min || byte(i + 1) > max) return false;
    for (std::size_t k = 2; k < length; ++k) {
      if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return false;
    }
    i += length;
  }
  return true;
}

// --- Request builders -------------------------------------------------------

// One RUNNING event of a new execution of the state machine "hostile".
std::string Event(const std::string& name) {
  return StatusEvent("id-" + name, "hostile", name, "RUNNING", kT0);
}

std::string Length(const std::string& body) {
  return "Content-Length: " + std::to_string(body.size()) + "\r\n";
}

std::string Hex(std::size_t n) {
  return fmt::format("{:x}", n);
}

// `body` in chunks of `piece` bytes, each with `extension` after its size.
std::string Chunked(const std::string& body, std::size_t piece = 100, const std::string& extension = "") {
  std::string out;
  for (std::size_t at = 0; at < body.size(); at += piece) {
    const std::string chunk = body.substr(at, piece);
    out += Hex(chunk.size()) + extension + "\r\n" + chunk + "\r\n";
  }
  return out + "0\r\n\r\n";
}

std::string Post(const std::string& headers, const std::string& body = "") {
  return "POST /v1/events HTTP/1.1\r\nHost: x\r\n" + headers + "\r\n" + body;
}

std::string Get(const std::string& target, const std::string& headers = "") {
  return "GET " + target + " HTTP/1.1\r\nHost: x\r\n" + headers + "\r\n";
}

// A whole POST of one event: what a smuggler hides in another request's body.
std::string HiddenPost(const std::string& name) {
  const std::string event = Event(name);
  return Post(Length(event), event);
}

const std::string kChunked = "Transfer-Encoding: chunked\r\n";

// --- The table --------------------------------------------------------------

enum class Server {
  kOpen,   // No keys.
  kKeyed,  // --read-key and --ingest-key.
  kSlow,   // No keys, --read-timeout-ms 1000.
};

struct Expected {
  int status;
  std::string body_has = "";  // A substring of the body, when not empty.
};

struct HostileCase {
  std::string name;
  std::string request;                           // Sent in one write (but see trickle_from).
  std::vector<Expected> replies;                 // The answers, in order; none: the server answers nothing.
  bool closes = false;                           // The server closes the connection after them.
  Server server = Server::kOpen;                 // Which of the suite's servers.
  int applied = 0;                               // Executions the request adds to the store.
  bool half_close = false;                       // The client ends its sending side after the request.
  std::size_t trickle_from = std::string::npos;  // Bytes from here are sent one at a time, slowly.
  std::string code = "";                         // The last answer's error.code, when not empty.
};

void PrintTo(const HostileCase& c, std::ostream* out) {
  *out << c.name;
}

// clang-format off
std::vector<HostileCase> BadFraming() {
  const std::string event = Event("never-finished");
  return {
      {.name = "ChunkedBodyIsRead", .request = Post(kChunked, Chunked(Event("chunked-ok"))),
       .replies = {{200, "\"indexed\":1"}}, .applied = 1},
      {.name = "ChunkSizeNotHex", .request = Post(kChunked, "zz\r\nabc\r\n0\r\n\r\n"), .replies = {{400}},
       .closes = true},
      {.name = "ChunkSizeNegative", .request = Post(kChunked, "-3\r\nabc\r\n0\r\n\r\n"), .replies = {{400}},
       .closes = true},
      {.name = "ChunkSizeOverflows64Bits", .request = Post(kChunked, "10000000000000000\r\nabc\r\n0\r\n\r\n"),
       .replies = {{400}}, .closes = true},
      {.name = "ChunkSizeWithLeadingSpace", .request = Post(kChunked, " 3\r\nabc\r\n0\r\n\r\n"), .replies = {{400}},
       .closes = true},
      {.name = "ChunkSizeWithHexPrefix", .request = Post(kChunked, "0x3\r\nabc\r\n0\r\n\r\n"), .replies = {{400}},
       .closes = true},
      {.name = "ChunkExtensionIsIgnored", .request = Post(kChunked, Chunked(Event("ext-1"), 100, ";name=value")),
       .replies = {{200, "\"indexed\":1"}}, .applied = 1},
      {.name = "QuotedChunkExtensionIsIgnored",
       .request = Post(kChunked, Chunked(Event("ext-2"), 100, ";name=\"a quoted value\"")),
       .replies = {{200, "\"indexed\":1"}}, .applied = 1},
      {.name = "ChunkExtensionWithoutName", .request = Post(kChunked, Chunked(Event("ext-3"), 100, ";=value")),
       .replies = {{400}}, .closes = true},
      {.name = "ChunkDataLongerThanItsSize", .request = Post(kChunked, "3\r\nabcdef\r\n0\r\n\r\n"),
       .replies = {{400}}, .closes = true},
      {.name = "ChunkDataWithoutCrlf", .request = Post(kChunked, "3\r\nabc0\r\n\r\n"), .replies = {{400}},
       .closes = true},
      {.name = "MissingFinalChunkThenEndOfStream", .request = Post(kChunked, "10\r\n" + event.substr(0, 16) + "\r\n"),
       .replies = {{400}}, .closes = true, .half_close = true},
      {.name = "MissingFinalChunkTimesOut", .request = Post(kChunked, "10\r\n" + event.substr(0, 16) + "\r\n"),
       .replies = {}, .closes = true, .server = Server::kSlow},
      {.name = "BodyShorterThanContentLengthThenEndOfStream", .request = Post("Content-Length: 100\r\n", "{}"),
       .replies = {{400}}, .closes = true, .half_close = true},
      {.name = "BareLfLineEnds", .request = "GET /healthz HTTP/1.1\nHost: x\n\n", .replies = {{400}},
       .closes = true, .half_close = true},
      {.name = "BareLfAfterAHeader", .request = "GET /healthz HTTP/1.1\r\nHost: x\n\r\n", .replies = {{400}},
       .closes = true, .half_close = true},
      {.name = "BareCrInTheRequestLine", .request = "GET /healthz HTTP/1.1\rHost: x\r\n\r\n", .replies = {{400}},
       .closes = true},
      {.name = "BareLfAfterAChunkSize", .request = Post(kChunked, "3\nabc\r\n0\r\n\r\n"), .replies = {{400}},
       .closes = true},
      {.name = "TwoSpacesInTheRequestLine", .request = "GET  /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
       .replies = {{400}}, .closes = true},
      {.name = "SpaceAfterTheVersion", .request = "GET /healthz HTTP/1.1 \r\nHost: x\r\n\r\n", .replies = {{400}},
       .closes = true},
      {.name = "NoTarget", .request = "GET HTTP/1.1\r\nHost: x\r\n\r\n", .replies = {{400}}, .closes = true,
       .half_close = true},
      {.name = "MethodWithASeparator", .request = "G(T /healthz HTTP/1.1\r\nHost: x\r\n\r\n", .replies = {{400}},
       .closes = true},
      {.name = "UnknownMethod", .request = "BREW /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
       .replies = {{405, "MethodNotAllowed"}}},
      {.name = "LowerCaseMethod", .request = "get /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
       .replies = {{405, "MethodNotAllowed"}}},
      // Beast parses HTTP/1.0 and HTTP/1.1 only: any other version is a 400.
      {.name = "Http2Preface", .request = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", .replies = {{400}}, .closes = true},
      {.name = "Http09Request", .request = "GET /healthz\r\n", .replies = {{400}}, .closes = true,
       .half_close = true},
      {.name = "VersionNineNine", .request = "GET /healthz HTTP/9.9\r\nHost: x\r\n\r\n", .replies = {{400}},
       .closes = true},
      {.name = "VersionZeroNine", .request = "GET /healthz HTTP/0.9\r\nHost: x\r\n\r\n", .replies = {{400}},
       .closes = true},
      {.name = "VersionOneTwo", .request = "GET /healthz HTTP/1.2\r\nHost: x\r\n\r\n", .replies = {{400}},
       .closes = true},
      {.name = "VersionWithTwoDigitMinor", .request = "GET /healthz HTTP/1.10\r\nHost: x\r\n\r\n",
       .replies = {{400}}, .closes = true},
      {.name = "VersionInLowerCase", .request = "GET /healthz http/1.1\r\nHost: x\r\n\r\n", .replies = {{400}},
       .closes = true},
      {.name = "VersionWithoutMinor", .request = "GET /healthz HTTP/1\r\nHost: x\r\n\r\n", .replies = {{400}},
       .closes = true},
      {.name = "TlsClientHello", .request = std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11),
       .replies = {{400}}, .closes = true, .half_close = true},
  };
}

std::vector<HostileCase> Smuggling() {
  const std::string event = Event("te-event");
  return {
      {.name = "TeChunkedWithContentLength",
       .request = Post(kChunked + "Content-Length: 4\r\n", Chunked(Event("te-cl-1"))), .replies = {{400}},
       .closes = true, .code = "BadRequest"},
      {.name = "ContentLengthThenTeChunked",
       .request = Post("Content-Length: 4\r\n" + kChunked, Chunked(Event("te-cl-2"))), .replies = {{400}},
       .closes = true},
      {.name = "TeXchunkedHidesARequest",
       .request = Post("Transfer-Encoding: xchunked\r\n", HiddenPost("smuggled-1")), .replies = {{400}},
       .closes = true, .code = "BadRequest"},
      {.name = "TeChunkedIdentityHidesARequest",
       .request = Post("Transfer-Encoding: chunked, identity\r\n", HiddenPost("smuggled-2")), .replies = {{400}},
       .closes = true, .code = "BadRequest"},
      {.name = "TeIdentityHidesARequest",
       .request = Post("Transfer-Encoding: identity\r\n", HiddenPost("smuggled-3")), .replies = {{400}},
       .closes = true},
      {.name = "TeGzipChunkedIsNotImplemented",
       .request = Post("Transfer-Encoding: gzip, chunked\r\n", Chunked(Event("gzip-1"))), .replies = {{501}},
       .closes = true, .code = "NotImplemented"},
      {.name = "TeGzipThenChunkedOnTwoLines",
       .request = Post("Transfer-Encoding: gzip\r\n" + kChunked, Chunked(Event("gzip-2"))), .replies = {{501}},
       .closes = true, .code = "NotImplemented"},
      {.name = "TeObsFoldedGzipChunked",
       .request = Post("Transfer-Encoding: gzip,\r\n chunked\r\n", Chunked(Event("gzip-3"))), .replies = {{501}},
       .closes = true},
      {.name = "TeChunkedTwiceOnOneLine",
       .request = Post("Transfer-Encoding: chunked, chunked\r\n", HiddenPost("smuggled-4")), .replies = {{400}},
       .closes = true},
      {.name = "TeChunkedOnTwoLines", .request = Post(kChunked + kChunked, Chunked(Event("te-dup-1"))),
       .replies = {{400}}, .closes = true},
      {.name = "TeChunkedThenIdentityOnTwoLines",
       .request = Post(kChunked + "Transfer-Encoding: identity\r\n", HiddenPost("smuggled-5")), .replies = {{400}},
       .closes = true},
      {.name = "TeWithParameter", .request = Post("Transfer-Encoding: chunked;q=1\r\n", HiddenPost("smuggled-6")),
       .replies = {{400}}, .closes = true},
      {.name = "TeEmptyWithContentLength",
       .request = Post("Transfer-Encoding: \r\n" + Length(HiddenPost("smuggled-7")), HiddenPost("smuggled-7")),
       .replies = {{400}}, .closes = true},
      {.name = "TeGzipWithContentLength",
       .request = Post("Transfer-Encoding: gzip\r\n" + Length(event), event), .replies = {{400}}, .closes = true},
      {.name = "TeOnHttp10",
       .request = "POST /v1/events HTTP/1.0\r\nHost: x\r\n" + kChunked + "\r\n" + Chunked(Event("te-10")),
       .replies = {{400}}, .closes = true, .code = "BadRequest"},
      {.name = "TeSpaceBeforeColon", .request = Post("Transfer-Encoding : chunked\r\n", Chunked(Event("te-sp"))),
       .replies = {{400}}, .closes = true},
      {.name = "TeValueAfterSpacesIsChunked",
       .request = Post("Transfer-Encoding:   chunked\r\n", Chunked(Event("te-ows-1"))),
       .replies = {{200, "\"indexed\":1"}}, .applied = 1},
      {.name = "TeValueAfterTabIsChunked", .request = Post("Transfer-Encoding:\tchunked\r\n", Chunked(Event("te-ows-2"))),
       .replies = {{200, "\"indexed\":1"}}, .applied = 1},
      {.name = "TeInUpperCaseIsChunked", .request = Post("Transfer-Encoding: CHUNKED\r\n", Chunked(Event("te-uc"))),
       .replies = {{200, "\"indexed\":1"}}, .applied = 1},
      {.name = "ContentLengthTwiceTheSame", .request = Post(Length(event) + Length(event), event),
       .replies = {{400}}, .closes = true, .code = "BadRequest"},
      {.name = "ContentLengthListOfTheSame",
       .request = Post(fmt::format("Content-Length: {0}, {0}\r\n", event.size()), event), .replies = {{400}},
       .closes = true},
      {.name = "ContentLengthConflicting",
       .request = Post(Length(event) + "Content-Length: 3\r\n", event), .replies = {{400}}, .closes = true},
      {.name = "ContentLengthWithPlusSign", .request = Post("Content-Length: +2\r\n", "{}"), .replies = {{400}},
       .closes = true},
      {.name = "ContentLengthInHex", .request = Post("Content-Length: 0x2\r\n", "{}"), .replies = {{400}},
       .closes = true},
      {.name = "ContentLengthNegative", .request = Post("Content-Length: -1\r\n", "{}"), .replies = {{400}},
       .closes = true},
      {.name = "ContentLengthEmpty", .request = Post("Content-Length: \r\n", "{}"), .replies = {{400}},
       .closes = true},
      {.name = "ContentLength2To64", .request = Post("Content-Length: 18446744073709551616\r\n", "{}"),
       .replies = {{400}}, .closes = true},
      {.name = "ContentLength2To64Minus1", .request = Post("Content-Length: 18446744073709551615\r\n", "{}"),
       .replies = {{413}}, .closes = true, .code = "PayloadTooLarge"},
      {.name = "HostMissing", .request = "GET /healthz HTTP/1.1\r\n\r\n", .replies = {{400}}, .closes = true,
       .code = "BadRequest"},
      {.name = "HostTwice", .request = "GET /healthz HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n", .replies = {{400}},
       .closes = true, .code = "BadRequest"},
      {.name = "HostNotAnAuthority", .request = "GET /healthz HTTP/1.1\r\nHost: a b\r\n\r\n", .replies = {{400}},
       .closes = true},
      {.name = "HostEmptyIsAllowed", .request = "GET /healthz HTTP/1.1\r\nHost:\r\n\r\n", .replies = {{200}}},
      {.name = "HostMissingOnHttp10IsAllowed", .request = "GET /healthz HTTP/1.0\r\n\r\n", .replies = {{200}},
       .closes = true},
      {.name = "SpaceBeforeColon", .request = "GET /healthz HTTP/1.1\r\nHost : x\r\n\r\n", .replies = {{400}},
       .closes = true},
      {.name = "ObsFoldIsUnfolded", .request = Get("/healthz", "X-Folded: a\r\n b\r\n"), .replies = {{200}}},
  };
}

std::vector<HostileCase> Oversize() {
  std::string chunks;
  const std::string piece(64 * 1024, ' ');
  for (int i = 0; i < 17; ++i) chunks += Hex(piece.size()) + "\r\n" + piece + "\r\n";
  std::string many_headers, some_headers;
  for (int i = 0; i < 3000; ++i) many_headers += "X-H: v\r\n";
  for (int i = 0; i < 500; ++i) some_headers += "X-H: v\r\n";
  return {
      {.name = "ContentLengthOverTheLimit", .request = Post("Content-Length: 1048577\r\n"), .replies = {{413}},
       .closes = true, .code = "PayloadTooLarge"},
      {.name = "ChunkSizeOverTheLimit", .request = Post(kChunked, "100001\r\n"), .replies = {{413}}, .closes = true,
       .code = "PayloadTooLarge"},
      {.name = "ChunksOverTheLimit", .request = Post(kChunked, chunks + "0\r\n\r\n"), .replies = {{413}},
       .closes = true, .code = "PayloadTooLarge"},
      {.name = "HeaderOverTheLimit", .request = Get("/healthz", "X-Padding: " + std::string(20000, 'a') + "\r\n"),
       .replies = {{431}}, .closes = true, .code = "RequestHeaderFieldsTooLarge"},
      {.name = "ManyHeadersOverTheLimit", .request = Get("/healthz", many_headers), .replies = {{431}},
       .closes = true},
      {.name = "ManyHeadersUnderTheLimit", .request = Get("/healthz", some_headers), .replies = {{200}}},
      {.name = "TargetOverTheLimit", .request = Get("/" + std::string(20000, 'a')), .replies = {{431}},
       .closes = true},
      {.name = "LongTargetUnderTheLimit", .request = Get("/v1/" + std::string(8000, 'a')),
       .replies = {{404, "NotFound"}}},
  };
}

std::vector<HostileCase> SlowClients() {
  const std::string event = Event("trickled");
  const std::string post = Post(Length(event), event);
  return {
      {.name = "TrickledHeadersAreCutOff", .request = Get("/healthz", "X-Filler: " + std::string(200, 'f') + "\r\n"),
       .replies = {}, .closes = true, .server = Server::kSlow, .trickle_from = 0},
      {.name = "TrickledBodyIsCutOff", .request = post, .replies = {}, .closes = true, .server = Server::kSlow,
       .trickle_from = post.size() - event.size()},
      {.name = "BodyNeverSent", .request = Post("Content-Length: 50\r\n"), .replies = {}, .closes = true,
       .server = Server::kSlow},
  };
}

std::vector<HostileCase> Pipelining() {
  const std::string event = Event("pipelined-1");
  return {
      {.name = "TwoGetsInOneWrite", .request = Get("/healthz") + Get("/v1/executions?maxResults=1"),
       .replies = {{200, "\"status\":\"ok\""}, {200, "\"executions\""}}},
      {.name = "PostThenGet", .request = Post(Length(event), event) + Get("/v1/executions?maxResults=1000"),
       .replies = {{200, "\"indexed\":1"}, {200, "pipelined-1"}}, .applied = 1},
      {.name = "ChunkedPostThenGet", .request = Post(kChunked, Chunked(Event("pipelined-2"))) + Get("/healthz"),
       .replies = {{200, "\"indexed\":1"}, {200, "\"ok\""}}, .applied = 1},
      {.name = "ConnectionCloseEndsThePipeline", .request = Get("/healthz", "Connection: close\r\n") + Get("/healthz"),
       .replies = {{200}}, .closes = true},
      {.name = "AnErrorEndsThePipeline", .request = Post("Content-Length: x\r\n") + HiddenPost("pipelined-3"),
       .replies = {{400}}, .closes = true},
  };
}

std::vector<HostileCase> BadUtf8() {
  const std::string ndjson = Event("utf8-ok") + "\n" + Event("utf8-\xfe") + "\n";
  // 99 ASCII bytes then "é": a message that quotes 100 bytes would cut it in two.
  const std::string long_value = std::string(99, 'a') + "%C3%A9";
  return {
      {.name = "InvalidUtf8InThePath", .request = Get("/v1/\xff\xfe"), .replies = {{404, "NotFound"}}},
      {.name = "PercentEncodedInvalidUtf8InThePath", .request = Get("/v1/%FF%FE"), .replies = {{404}}},
      {.name = "PercentEncodedInvalidUtf8InAQueryValue", .request = Get("/v1/executions?startDateFrom=%FF%FE"),
       .replies = {{400, "InvalidParameter"}}},
      {.name = "InvalidUtf8InAQueryValue", .request = Get("/v1/executions?startDateFrom=\xff\xfe"),
       .replies = {{400, "InvalidParameter"}}},
      {.name = "LongQueryValueEndingInUtf8", .request = Get("/v1/executions?startDateFrom=" + long_value),
       .replies = {{400, "InvalidParameter"}}},
      {.name = "InvalidUtf8InAHeaderValue", .request = Get("/healthz", "User-Agent: \xff\xfe\r\n"),
       .replies = {{200}}},
      {.name = "InvalidUtf8InAnEvent", .request = Post(Length(Event("bad-\xff")), Event("bad-\xff")),
       .replies = {{400}}},
      {.name = "InvalidUtf8InTheSecondNdjsonEvent",
       .request = Post("Content-Type: application/x-ndjson\r\n" + Length(ndjson), ndjson), .replies = {{400}}},
      {.name = "OverlongUtf8InAnEvent", .request = Post(Length(Event("bad-\xc0\xaf")), Event("bad-\xc0\xaf")),
       .replies = {{400}}},
      {.name = "EncodedSurrogateInAnEvent",
       .request = Post(Length(Event("bad-\xed\xa0\x80")), Event("bad-\xed\xa0\x80")), .replies = {{400}}},
  };
}

std::vector<HostileCase> OddHeaders() {
  const std::string event = Event("bearer-ingest");
  const std::string read = "x-api-key: " + kReadKey + "\r\n";
  const std::string expect = "Expect: 100-continue\r\n";
  const std::string continued = Event("continued-1"), continued_10 = Event("continued-2");
  return {
      {.name = "ExpectContinueGetsA100First", .request = Post(expect + Length(continued), continued),
       .replies = {{100}, {200, "\"indexed\":1"}}, .applied = 1},
      {.name = "ExpectContinueOverTheLimitGetsOnly413", .request = Post(expect + "Content-Length: 2097152\r\n"),
       .replies = {{413}}, .closes = true},
      {.name = "ExpectContinueWithBadFramingGetsOnly400",
       .request = Post(expect + "Transfer-Encoding: xchunked\r\n", HiddenPost("smuggled-8")), .replies = {{400}},
       .closes = true},
      {.name = "ExpectContinueOnHttp10IsIgnored",
       .request = "POST /v1/events HTTP/1.0\r\n" + expect + Length(continued_10) + "\r\n" + continued_10,
       .replies = {{200, "\"indexed\":1"}}, .closes = true, .applied = 1},
      {.name = "LowerCaseBearer", .request = Get("/v1/executions", "Authorization: bearer " + kReadKey + "\r\n"),
       .replies = {{200, "\"executions\""}}, .server = Server::kKeyed},
      {.name = "UpperCaseBearer", .request = Get("/v1/executions", "Authorization: BEARER " + kReadKey + "\r\n"),
       .replies = {{200, "\"executions\""}}, .server = Server::kKeyed},
      {.name = "MixedCaseBearerIngests",
       .request = Post("authorization: bEaReR " + kIngestKey + "\r\n" + Length(event), event),
       .replies = {{200, "\"indexed\":1"}}, .server = Server::kKeyed, .applied = 1},
      {.name = "BearerWithoutKey", .request = Get("/v1/executions", "Authorization: Bearer\r\n"),
       .replies = {{401}}, .server = Server::kKeyed, .code = "Unauthorized"},
      {.name = "BearerWithWrongKey", .request = Get("/v1/executions", "Authorization: Bearer nope\r\n"),
       .replies = {{401}}, .server = Server::kKeyed},
      {.name = "BasicScheme", .request = Get("/v1/executions", "Authorization: Basic cjpy\r\n"), .replies = {{401}},
       .server = Server::kKeyed},
      {.name = "DuplicateAuthorizationWrongFirst",
       .request = Get("/v1/executions", "Authorization: Bearer nope\r\nAuthorization: Bearer " + kReadKey + "\r\n"),
       .replies = {{401}}, .server = Server::kKeyed},
      {.name = "DuplicateAuthorizationRightFirst",
       .request = Get("/v1/executions", "Authorization: Bearer " + kReadKey + "\r\nAuthorization: Bearer nope\r\n"),
       .replies = {{401}}, .server = Server::kKeyed, .code = "Unauthorized"},
      {.name = "DuplicateXApiKey", .request = Get("/v1/executions", read + "x-api-key: nope\r\n"),
       .replies = {{401}}, .server = Server::kKeyed},
      {.name = "InvalidUtf8InXApiKey", .request = Get("/v1/executions", "x-api-key: \xff\xfe\r\n"),
       .replies = {{401}}, .server = Server::kKeyed},
      {.name = "EmptyHeaderName", .request = Get("/healthz", ": value\r\n"), .replies = {{400}}, .closes = true},
      {.name = "NulInAHeaderValue", .request = Get("/healthz", std::string("X-A: a\0b\r\n", 10)),
       .replies = {{400}}, .closes = true},
      {.name = "NulInAHeaderName", .request = Get("/healthz", std::string("X\0A: b\r\n", 8)), .replies = {{400}},
       .closes = true},
      {.name = "NulInTheTarget", .request = std::string("GET /health\0z HTTP/1.1\r\nHost: x\r\n\r\n", 35),
       .replies = {{400}}, .closes = true},
      {.name = "ControlCharacterInAHeaderValue", .request = Get("/healthz", "X-A: a\x01" "b\r\n"), .replies = {{400}},
       .closes = true},
      {.name = "HeaderLineWithoutColon", .request = Get("/healthz", "NoColonHere\r\n"), .replies = {{400}},
       .closes = true},
      {.name = "HeaderNameWithASeparator", .request = Get("/healthz", "X(A): b\r\n"), .replies = {{400}},
       .closes = true},
  };
}

// clang-format on

std::vector<HostileCase> AllCases() {
  std::vector<HostileCase> all;
  for (auto part : {BadFraming(), Smuggling(), Oversize(), SlowClients(), Pipelining(), BadUtf8(), OddHeaders()}) {
    all.insert(all.end(), part.begin(), part.end());
  }
  return all;
}

// --- The runner -------------------------------------------------------------

// Three servers for the whole suite (each case adds executions of its own).
class HostileHttpTest : public ::testing::TestWithParam<HostileCase> {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    auto start = [](const std::string& name, std::vector<std::string> args) {
      args.insert(args.end(), {"--store", dir_->File(name), "--index-all"});
      return new ServerProcess(kExidx, args, dir_->File(name + ".log"));
    };
    open_ = start("open", {});
    keyed_ = start("keyed", {"--read-key", kReadKey, "--ingest-key", kIngestKey});
    slow_ = start("slow", {"--read-timeout-ms", "1000"});
  }

  static void TearDownTestSuite() {
    delete open_;
    delete keyed_;
    delete slow_;
    delete dir_;
    open_ = keyed_ = slow_ = nullptr;
    dir_ = nullptr;
  }

  static ServerProcess& ServerFor(Server server) {
    switch (server) {
      case Server::kOpen: return *open_;
      case Server::kKeyed: return *keyed_;
      case Server::kSlow: return *slow_;
    }
    return *open_;
  }

  // How many executions the store holds (-1 when the list is not answered).
  static int Executions(const ServerProcess& server) {
    const Headers key = &server == keyed_ ? Headers{{"x-api-key", kReadKey}} : Headers{};
    const HttpReply reply = HttpCall(server.port(), "GET", "/v1/executions?maxResults=1000", key, "", kWait);
    if (reply.status != 200) return -1;
    return static_cast<int>(json::parse(reply.body).at("executions").as_array().size());
  }

  static TempDir* dir_;
  static ServerProcess* open_;
  static ServerProcess* keyed_;
  static ServerProcess* slow_;
};

TempDir* HostileHttpTest::dir_ = nullptr;
ServerProcess* HostileHttpTest::open_ = nullptr;
ServerProcess* HostileHttpTest::keyed_ = nullptr;
ServerProcess* HostileHttpTest::slow_ = nullptr;

// An error answer: JSON {"error":{"code":..., "message":...}} in valid UTF-8.
void ExpectErrorBody(const HttpReply& reply, const std::string& code) {
  EXPECT_TRUE(IsValidUtf8(reply.body)) << "not UTF-8: " << reply.body;
  EXPECT_EQ(reply.headers.count("content-type") ? reply.headers.at("content-type") : "", "application/json");
  boost::system::error_code ec;
  const json::value body = json::parse(reply.body, ec);  // Refuses invalid UTF-8 by default.
  ASSERT_FALSE(ec) << ec.message() << ": " << reply.body;
  const json::object* object = body.if_object();
  const json::value* error = object ? object->if_contains("error") : nullptr;
  ASSERT_TRUE(error && error->is_object()) << reply.body;
  const json::value* code_value = error->as_object().if_contains("code");
  const json::value* message = error->as_object().if_contains("message");
  ASSERT_TRUE(code_value && code_value->is_string() && !code_value->as_string().empty()) << reply.body;
  ASSERT_TRUE(message && message->is_string() && !message->as_string().empty()) << reply.body;
  if (!code.empty()) {
    EXPECT_EQ(code_value->as_string(), code) << reply.body;
  }
}

// Sends `bytes` from `from` on one at a time, waiting between them, until all
// are sent or the server closes. True when the server closed first.
bool Trickle(Connection& connection, const std::string& bytes, std::size_t from, std::string& received) {
  if (!connection.Send(bytes.substr(0, from))) return true;
  for (std::size_t i = from; i < bytes.size(); ++i) {
    received += connection.Receive(200ms);
    if (connection.closed() || !connection.Send(bytes.substr(i, 1))) return true;
  }
  received += connection.Receive(200ms);
  return connection.closed();
}

TEST_P(HostileHttpTest, Case) {
  const HostileCase& c = GetParam();
  ServerProcess& server = ServerFor(c.server);
  ASSERT_TRUE(server.started()) << server.Log();
  const int before = Executions(server);
  ASSERT_GE(before, 0);

  Connection connection(server.port());
  ASSERT_TRUE(connection.connected());
  ReplyReader reader(connection);
  if (c.trickle_from != std::string::npos) {
    std::string received;
    EXPECT_TRUE(Trickle(connection, c.request, c.trickle_from, received)) << "sent whole without being cut off";
    EXPECT_EQ(received, "") << "no answer to a request that never arrived whole";
  } else {
    connection.Send(c.request);  // May fail once the server has answered and closed: the answer is still read.
    if (c.half_close) connection.ShutdownWrite();
  }

  for (std::size_t i = 0; i < c.replies.size(); ++i) {
    const Expected& expected = c.replies[i];
    const std::optional<HttpReply> reply = reader.Next(kWait);
    ASSERT_TRUE(reply) << "answer " << i + 1 << " missing; received: " << reader.extra().substr(0, 300);
    EXPECT_EQ(reply->status, expected.status) << reply->body;
    if (!expected.body_has.empty()) {
      EXPECT_NE(reply->body.find(expected.body_has), std::string::npos) << reply->body;
    }
    if (reply->status >= 400) ExpectErrorBody(*reply, i + 1 == c.replies.size() ? c.code : "");
    if (reply->status >= 400 && c.closes) {
      EXPECT_EQ(reply->headers.count("connection") ? reply->headers.at("connection") : "", "close");
    }
  }
  if (c.closes) {
    EXPECT_TRUE(reader.ClosesWithNothingMore(kWait))
        << "the connection stays open or more was sent: " << reader.extra().substr(0, 300);
  } else {
    // Still usable, and in step: the next answer is to the next request.
    connection.Send(Get("/healthz"));
    const std::optional<HttpReply> next = reader.Next(kWait);
    ASSERT_TRUE(next) << "the connection is no longer usable";
    EXPECT_EQ(next->status, 200);
    EXPECT_NE(next->body.find("\"ok\""), std::string::npos) << next->body;
  }

  EXPECT_EQ(HttpCall(server.port(), "GET", "/healthz", {}, "", kWait).status, 200) << "the server is down";
  EXPECT_EQ(Executions(server) - before, c.applied) << "executions added";
}

INSTANTIATE_TEST_SUITE_P(Hostile, HostileHttpTest, ::testing::ValuesIn(AllCases()),
                         [](const ::testing::TestParamInfo<HostileCase>& info) { return info.param.name; });

// A client that waits for the 100 before sending the body is not left waiting.
TEST(ExpectContinueTest, BodySentAfterThe100IsApplied) {
  TempDir dir;
  ServerProcess server(kExidx, {"--store", dir.File("store"), "--index-all"}, dir.File("log"));
  ASSERT_TRUE(server.started()) << server.Log();
  const std::string event = Event("continued-3");
  Connection connection(server.port());
  ReplyReader reader(connection);
  ASSERT_TRUE(connection.Send(Post("Expect: 100-continue\r\n" + Length(event))));
  const std::optional<HttpReply> go_on = reader.Next(kWait);
  ASSERT_TRUE(go_on) << "no 100 Continue";
  EXPECT_EQ(go_on->status, 100);
  ASSERT_TRUE(connection.Send(event));
  const std::optional<HttpReply> done = reader.Next(kWait);
  ASSERT_TRUE(done);
  EXPECT_EQ(done->status, 200) << done->body;
  EXPECT_NE(done->body.find("\"indexed\":1"), std::string::npos) << done->body;
}

// The error-body check above leans on Boost.JSON's parser refusing invalid
// UTF-8 unless told otherwise (parse_options::allow_invalid_utf8).
TEST(BoostJsonTest, ParserRefusesInvalidUtf8ByDefault) {
  boost::system::error_code ec;
  json::parse("\"\xff\"", ec);
  EXPECT_TRUE(ec);
  json::parse("\"a\xc3\"", ec);
  EXPECT_TRUE(ec);
  json::parse("\"\xc3\xa9\"", ec);
  EXPECT_FALSE(ec);
  EXPECT_TRUE(IsValidUtf8("\xc3\xa9 \xf0\x9f\x98\x80"));
  EXPECT_FALSE(IsValidUtf8("\xc0\xaf"));
  EXPECT_FALSE(IsValidUtf8("\xed\xa0\x80"));
  EXPECT_FALSE(IsValidUtf8("\xf4\x90\x80\x80"));
}

// The table holds at least 60 cases, each name once.
TEST(HostileHttpTableTest, CasesAreManyAndNamedOnce) {
  const auto cases = AllCases();
  EXPECT_GE(cases.size(), 60u);
  std::set<std::string> names;
  for (const auto& c : cases) EXPECT_TRUE(names.insert(c.name).second) << c.name;
}

}  // namespace
}  // namespace exidx::testing
