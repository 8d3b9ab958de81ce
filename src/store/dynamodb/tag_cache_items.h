// The shared tag cache's entries on DynamoDB (ExecutionStore::ReadTagEntry):
// one reserved item per state machine, executionArn "#exidx#tags#<arn>",
// with the attributes tagVersion (N), tagDecided (BOOL), tagRule (S),
// tagAgent (S, only for an agent), tagReadAt (N), tagLeaseUntil (N) and ttl
// (N): a week after the entry was last written, so that DynamoDB's TTL
// deletes the entries of state machines no longer seen. None of these is a
// key of an index, so no query reads them.
#pragma once

#include <boost/json.hpp>

#include <string>
#include <string_view>

#include "core/error.h"
#include "store/execution_store.h"

namespace exidx::dynamodb {

inline constexpr EpochSeconds kTagEntryLifetimeSeconds = 7 * 24 * 3600;

std::string TagEntryItemKey(std::string_view state_machine_arn);

// The item of `entry` for `state_machine_arn`, written at `now` (its ttl).
boost::json::object EncodeTagEntryItem(std::string_view state_machine_arn, const TagCacheEntry& entry,
                                       EpochSeconds now);

// kInternal naming the attribute when the item is not of that shape.
Result<TagCacheEntry> DecodeTagEntryItem(const boost::json::object& item);

}  // namespace exidx::dynamodb
