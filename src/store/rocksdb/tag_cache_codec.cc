#include "store/rocksdb/tag_cache_codec.h"

#include <boost/json.hpp>

#include <type_traits>

namespace exidx {
namespace json = boost::json;

std::string EncodeTagEntry(const TagCacheEntry& entry) {
  json::object object{
      {"version", entry.version}, {"decided", entry.decided},        {"rule", entry.rule},
      {"readAt", entry.read_at},  {"leaseUntil", entry.lease_until},
  };
  if (entry.agent_name) object["agentName"] = *entry.agent_name;
  return json::serialize(object);
}

Result<TagCacheEntry> DecodeTagEntry(std::string_view value, std::string_view key) {
  auto corrupt = [&] { return Fail(ErrorCode::kInternal, "tag cache entry " + Quoted(key) + " is corrupt"); };
  boost::system::error_code error;
  json::value parsed = json::parse(value, error);
  const json::object* object = error ? nullptr : parsed.if_object();
  if (object == nullptr) return corrupt();
  // Parsed numbers are int64 whatever they were written as.
  auto number = [&](std::string_view name, auto& out) {
    const json::value* field = object->if_contains(name);
    if (field == nullptr || !field->is_int64() || field->as_int64() < 0) return false;
    out = static_cast<std::remove_reference_t<decltype(out)>>(field->as_int64());
    return true;
  };
  TagCacheEntry entry;
  const json::value* decided = object->if_contains("decided");
  const json::value* rule = object->if_contains("rule");
  if (!number("version", entry.version) || !number("readAt", entry.read_at) ||
      !number("leaseUntil", entry.lease_until) || decided == nullptr || !decided->is_bool() || rule == nullptr ||
      !rule->is_string()) {
    return corrupt();
  }
  entry.decided = decided->as_bool();
  entry.rule = std::string(rule->as_string());
  if (const json::value* agent = object->if_contains("agentName")) {
    if (!agent->is_string()) return corrupt();
    entry.agent_name = std::string(agent->as_string());
  }
  return entry;
}

}  // namespace exidx
