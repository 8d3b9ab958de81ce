#include "server/expiry_sweeper.h"

#include <algorithm>

#include "server/json_log.h"

namespace exidx::server {

ExpirySweeper::ExpirySweeper(ExecutionStore& store, const Clock& clock, ExpirySweeperOptions options)
    : store_(store), clock_(clock), options_(options) {}

ExpirySweeper::~ExpirySweeper() {
  Stop();
}

Result<std::size_t> ExpirySweeper::SweepNow() {
  // One "now" for the whole sweep: records expiring meanwhile wait for the
  // next one, so a sweep always ends.
  const EpochSeconds now = SecondsOf(clock_.NowMillis());
  const std::size_t chunk = std::max<std::size_t>(options_.chunk, 1);
  std::size_t total = 0;
  for (;;) {
    auto deleted = store_.DeleteExpired(now, chunk);
    if (!deleted) return std::unexpected(deleted.error());
    total += *deleted;
    if (*deleted < chunk) return total;
  }
}

void ExpirySweeper::Start() {
  if (thread_.joinable()) return;
  thread_ = std::thread([this] { Run(); });
}

void ExpirySweeper::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void ExpirySweeper::Run() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    lock.unlock();
    const auto started = std::chrono::steady_clock::now();
    auto deleted = SweepNow();
    const auto took =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
    if (!deleted) {
      LogLine(LogLevel::kWarn, "retention sweep failed; retrying at the next interval")
          .Str("reason", deleted.error().message);
    } else if (*deleted > 0) {
      LogLine(LogLevel::kInfo, "retention sweep deleted expired records")
          .Int("deleted", static_cast<std::int64_t>(*deleted))
          .Int("ms", took);
    }
    lock.lock();
    wake_.wait_for(lock, options_.interval, [this] { return stopping_; });
  }
}

}  // namespace exidx::server
