// The stores the conformance suite runs against, each able to open a fresh,
// empty store per call.
#pragma once

#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "core/clock.h"
#include "store/execution_store.h"

namespace exidx {

// What a store is opened with, beyond where it lives.
struct StoreSetup {
  RetentionPolicy retention;
  const Clock* clock = nullptr;  // Not owned; nullptr: the system's.
};

struct StoreFactory {
  std::string name;
  // A new, empty store; it is removed when the returned pointer is destroyed.
  std::function<std::unique_ptr<ExecutionStore>(const StoreSetup&)> open_with;
  // Whether its stores keep statistics (ReadHourlyStats, ListAgents).
  bool statistics = true;

  std::unique_ptr<ExecutionStore> open() const { return open_with(StoreSetup{}); }
};

std::vector<StoreFactory> AllStoreFactories();

// Test names print the factory's name, not its bytes.
inline void PrintTo(const StoreFactory& factory, std::ostream* out) {
  *out << factory.name;
}

}  // namespace exidx
