// The History page's files (web/), embedded into the binary at build time by
// cmake/embed_web_assets.cmake: `exidx serve` needs nothing beside itself.
#pragma once

#include <span>
#include <string_view>

namespace exidx::server {

struct WebAsset {
  std::string_view path;          // "/" for index.html, "/assets/<file>" for the others.
  std::string_view content_type;  // e.g. "text/javascript; charset=utf-8".
  std::string_view body;
};

// Every embedded file; static storage, never changes.
std::span<const WebAsset> WebAssets();

}  // namespace exidx::server
