#include "store/dynamodb/bounded_calls.h"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace exidx::dynamodb {

Status RunBounded(std::size_t count, int workers, const std::function<Status(std::size_t)>& task) {
  std::atomic<std::size_t> next{0};
  std::atomic<bool> failed{false};
  std::mutex error_mu;
  std::optional<Error> error;  // Guarded by error_mu: the first one.
  auto work = [&] {
    while (!failed.load()) {
      const std::size_t i = next.fetch_add(1);
      if (i >= count) return;
      Status done = task(i);
      if (!done) {
        std::lock_guard lock(error_mu);
        if (!error) error = done.error();
        failed = true;
        return;
      }
    }
  };
  const std::size_t threads = std::min<std::size_t>(static_cast<std::size_t>(std::max(workers, 1)), count);
  {
    std::vector<std::jthread> helpers;
    for (std::size_t i = 1; i < threads; ++i) helpers.emplace_back(work);
    work();
  }
  if (error) return std::unexpected(*error);
  return {};
}

}  // namespace exidx::dynamodb
