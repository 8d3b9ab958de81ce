// The tag cache's entries in the meta family (ExecutionStore::ReadTagEntry):
// key "tag/<stateMachineArn>", apart from every other meta key; value a JSON
// object {"version":N,"decided":B,"rule":S,"agentName":S,"readAt":N,
// "leaseUntil":N} (agentName only for an agent). JSON because the entries
// are few and small and are read at most once a minute per state machine.
#pragma once

#include <string>
#include <string_view>

#include "core/error.h"
#include "store/execution_store.h"

namespace exidx {

inline std::string TagEntryKey(std::string_view state_machine_arn) {
  return "tag/" + std::string(state_machine_arn);
}

std::string EncodeTagEntry(const TagCacheEntry& entry);

// kInternal (naming `key`) for a value that is not of that shape.
Result<TagCacheEntry> DecodeTagEntry(std::string_view value, std::string_view key);

}  // namespace exidx
