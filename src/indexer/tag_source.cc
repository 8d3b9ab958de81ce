#include "indexer/tag_source.h"

#include <boost/json.hpp>
#include <fmt/format.h>

#include <fstream>
#include <sstream>

namespace exidx {
namespace json = boost::json;

Result<std::unique_ptr<FileTagSource>> FileTagSource::Load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Fail(ErrorCode::kInvalidParameter, fmt::format("--tags-file: cannot read '{}'", path));
  std::ostringstream text;
  text << in.rdbuf();
  return Parse(text.str(), path);
}

Result<std::unique_ptr<FileTagSource>> FileTagSource::Parse(std::string_view text, std::string_view origin) {
  auto invalid = [&](std::string_view problem) {
    return Fail(ErrorCode::kInvalidParameter, fmt::format("tags file '{}': {}", origin, problem));
  };
  boost::system::error_code ec;
  json::value root = json::parse(text, ec);
  if (ec) return invalid(fmt::format("invalid JSON: {}", ec.message()));
  if (!root.is_object()) return invalid("expected an object {\"<stateMachineArn>\": {\"<key>\": \"<value>\"}}");
  std::map<std::string, Tags, std::less<>> all;
  for (const auto& [arn, tags] : root.get_object()) {
    if (!tags.is_object()) return invalid(fmt::format("tags of '{}' must be an object", std::string_view(arn)));
    Tags& out = all[std::string(arn)];
    for (const auto& [key, value] : tags.get_object()) {
      if (!value.is_string()) {
        return invalid(fmt::format("tag '{}' of '{}' must be a string", std::string_view(key), std::string_view(arn)));
      }
      out.emplace(std::string(key), std::string(value.get_string()));
    }
  }
  return std::unique_ptr<FileTagSource>(new FileTagSource(std::move(all)));
}

Result<Tags> FileTagSource::TagsOf(const std::string& state_machine_arn, const Deadline&) {
  auto it = tags_.find(state_machine_arn);
  return it == tags_.end() ? Tags{} : it->second;
}

}  // namespace exidx
