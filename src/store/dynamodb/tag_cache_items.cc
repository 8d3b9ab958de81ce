#include "store/dynamodb/tag_cache_items.h"

#include "store/dynamodb/dynamodb_store.h"
#include "store/dynamodb/item_codec.h"

namespace exidx::dynamodb {
namespace json = boost::json;

std::string TagEntryItemKey(std::string_view state_machine_arn) {
  return std::string(kReservedKeyPrefix) + "tags#" + std::string(state_machine_arn);
}

json::object EncodeTagEntryItem(std::string_view state_machine_arn, const TagCacheEntry& entry, EpochSeconds now) {
  json::object item{
      {"executionArn", S(TagEntryItemKey(state_machine_arn))},
      {"tagVersion", N(std::to_string(entry.version))},
      {"tagDecided", json::object{{"BOOL", entry.decided}}},
      {"tagReadAt", N(std::to_string(entry.read_at))},
      {"tagLeaseUntil", N(std::to_string(entry.lease_until))},
      {"ttl", N(std::to_string(now + kTagEntryLifetimeSeconds))},
  };
  // Empty strings are left out: older DynamoDB implementations refuse them.
  if (!entry.rule.empty()) item["tagRule"] = S(entry.rule);
  if (entry.agent_name) item["tagAgent"] = S(*entry.agent_name);
  return item;
}

Result<TagCacheEntry> DecodeTagEntryItem(const json::object& item) {
  auto malformed = [&](std::string_view what) {
    const auto* key = StringAttribute(item, "executionArn");
    return Fail(ErrorCode::kInternal, "dynamodb: the tag cache item " + Quoted(key ? std::string_view(*key) : "?") +
                                          ": " + std::string(what) + " missing or malformed");
  };
  TagCacheEntry entry;
  for (auto [name, out] : {std::pair<std::string_view, std::int64_t*>{"tagReadAt", &entry.read_at},
                           std::pair<std::string_view, std::int64_t*>{"tagLeaseUntil", &entry.lease_until}}) {
    auto value = IntegerAttribute(item, name);
    if (!value) return std::unexpected(value.error());
    if (!*value || **value < 0) return malformed(name);
    *out = **value;
  }
  auto version = IntegerAttribute(item, "tagVersion");
  if (!version) return std::unexpected(version.error());
  if (!*version || **version <= 0) return malformed("tagVersion");
  entry.version = static_cast<std::uint64_t>(**version);
  const json::value* decided = item.if_contains("tagDecided");
  const json::value* flag = decided && decided->is_object() ? decided->get_object().if_contains("BOOL") : nullptr;
  if (flag == nullptr || !flag->is_bool()) return malformed("tagDecided");
  entry.decided = flag->get_bool();
  // An optional string attribute: false when present but not a string.
  auto text = [&item](std::string_view name, std::optional<std::string>& out) {
    if (!item.contains(name)) return true;
    const auto* value = StringAttribute(item, name);
    if (value != nullptr) out = std::string(*value);
    return value != nullptr;
  };
  std::optional<std::string> rule;
  if (!text("tagRule", rule)) return malformed("tagRule");
  entry.rule = rule.value_or("");
  if (!text("tagAgent", entry.agent_name)) return malformed("tagAgent");
  return entry;
}

}  // namespace exidx::dynamodb
