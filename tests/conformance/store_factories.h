// The stores the conformance suite runs against, each able to open a fresh,
// empty store per call.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "store/execution_store.h"

namespace exidx {

struct StoreFactory {
  std::string name;
  // A new, empty store; it is removed when the returned pointer is destroyed.
  std::function<std::unique_ptr<ExecutionStore>()> open;
};

std::vector<StoreFactory> AllStoreFactories();

}  // namespace exidx
