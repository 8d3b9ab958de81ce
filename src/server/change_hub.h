// ChangeHub: tells live-update streams that the index may have changed. The
// indexing path calls Notify after every Ingest that changed a record; each
// SSE session subscribes and, when called, reads the store's change feed
// itself. Notify only calls listeners (which post work and return), so a slow
// stream never slows ingestion.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>

namespace exidx::server {

// Thread-safe.
class ChangeHub {
 public:
  // Called from Notify's thread with the hub's lock held: must not block and
  // must not call back into the hub.
  using Listener = std::function<void()>;

  // The id to unsubscribe with.
  std::uint64_t Subscribe(Listener listener);

  // After this returns, the listener is not running and will not be called.
  void Unsubscribe(std::uint64_t id);

  // Calls every listener once.
  void Notify();

  // How many times Notify was called.
  std::uint64_t epoch() const;

  std::size_t listeners() const;

 private:
  mutable std::mutex mu_;
  std::uint64_t next_id_ = 1;                      // Guarded by mu_.
  std::uint64_t epoch_ = 0;                        // Guarded by mu_.
  std::map<std::uint64_t, Listener> listeners_;    // Guarded by mu_.
};

}  // namespace exidx::server
