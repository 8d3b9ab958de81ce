// DemoFeed: `exidx serve --demo`. Backfills some days of simulated history
// into an empty store, then ingests a live simulated stream in real time
// (a few executions per second), through the same path as POST /v1/events,
// so that a new user sees the index, the SSE stream and /metrics change.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

#include "core/clock.h"
#include "server/execution_service.h"
#include "simulate/simulator.h"
#include "store/execution_store.h"

namespace exidx::server {

struct DemoFeedOptions {
  int backfill_days = 7;
  std::int64_t backfill_executions = 20'000;  // Only when the store is empty.
  double executions_per_second = 2;
};

// The simulation options the demo draws its state machines from.
SimulationOptions DemoSimulationOptions(EpochMillis now);

class DemoFeed {
 public:
  // All referenced objects must outlive the feed.
  DemoFeed(ExecutionService& service, ExecutionStore& store, const Clock& clock, DemoFeedOptions options);
  ~DemoFeed();  // Stop()s.

  void Start();
  // Stops and joins the feed's thread; idempotent.
  void Stop();

 private:
  void Run();
  void Backfill();
  void Live();
  bool Ingest(const std::string& body);
  // Waits until `deadline` (wall-clock millis); false when stopped meanwhile.
  bool SleepUntil(EpochMillis deadline);

  ExecutionService& service_;
  ExecutionStore& store_;
  const Clock& clock_;
  const DemoFeedOptions options_;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;  // Guarded by mu_.
};

}  // namespace exidx::server
