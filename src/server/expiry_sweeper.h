// ExpirySweeper: the background sweep of `exidx serve` that deletes expired
// records from a store that does not delete them by itself (the embedded
// one; ExecutionStore::DeleteExpired). Reads already skip expired records;
// the sweep is what frees their space and takes them out of the agent counts
// and the statistics.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <thread>

#include "core/clock.h"
#include "core/error.h"
#include "store/execution_store.h"

namespace exidx::server {

struct ExpirySweeperOptions {
  std::chrono::milliseconds interval{60'000};  // Between two sweeps.
  // Records per DeleteExpired commit: each one is a WriteBatch (and an
  // fsync) that Apply waits behind, so a chunk is short.
  std::size_t chunk = 1000;
};

class ExpirySweeper {
 public:
  // `store` and `clock` must outlive the sweeper.
  ExpirySweeper(ExecutionStore& store, const Clock& clock, ExpirySweeperOptions options);
  ~ExpirySweeper();  // Stop()s.
  ExpirySweeper(const ExpirySweeper&) = delete;
  ExpirySweeper& operator=(const ExpirySweeper&) = delete;

  // Deletes every record expired by the clock's now, a chunk at a time; how
  // many. Thread-safe; for tests and `exidx ingest`.
  Result<std::size_t> SweepNow();

  // Starts a thread that sweeps at once and then every interval, logging
  // each sweep that deleted records or failed (a failed one is tried again
  // at the next interval). At most once.
  void Start();
  // Stops and joins the thread (a chunk in progress ends first); idempotent.
  void Stop();

 private:
  void Run();

  ExecutionStore& store_;
  const Clock& clock_;
  const ExpirySweeperOptions options_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;  // Guarded by mu_.
  std::thread thread_;
};

}  // namespace exidx::server
