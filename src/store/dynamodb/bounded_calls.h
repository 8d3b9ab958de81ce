// RunBounded: blocking DynamoDB calls made several at a time. Internal to
// src/store/dynamodb (Apply's PutItems, a migration's UpdateItems).
#pragma once

#include <cstddef>
#include <functional>

#include "core/error.h"

namespace exidx::dynamodb {

// Runs task(0), task(1), ... task(count - 1), handing the indexes out in order
// to up to `workers` threads at once (the calling thread is one of them; at
// least one). Once a task fails no new one starts; those running finish. Ok
// when every task succeeded, else the first error. `task` must be thread-safe.
Status RunBounded(std::size_t count, int workers, const std::function<Status(std::size_t)>& task);

}  // namespace exidx::dynamodb
