// The checks of a request's headers that Boost.Beast does not make and that
// must pass before any body byte is read: the framing of RFC 9112 sections
// 6.1 and 6.3 and the Host rules of section 3.2. Internal to HttpServer
// (http_server.h): with http_server.cc the only file that includes Beast.
#pragma once

#include <boost/beast/http/message.hpp>

#include <optional>

#include "server/http_message.h"

namespace exidx::server {

// What Beast does not check of a request's headers and must be refused
// before any body byte is read (the connection then closes, so no byte after
// the headers is taken as a request): the framing of RFC 9112 section 6.3 and
// the Host rules of section 3.2. Beast itself refuses a Content-Length that is
// not a decimal number or differs from another, and Transfer-Encoding chunked
// together with Content-Length. Returns the refusal (400, or 501 for a
// transfer coding other than chunked), or nullopt when the headers pass.
std::optional<HttpResponse> CheckRequestHeader(const boost::beast::http::request_header<>& header);

}  // namespace exidx::server
