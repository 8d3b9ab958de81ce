// ServerMetrics: the counters behind /metrics, rendered in the Prometheus
// text exposition format (version 0.0.4).
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "indexer/agent_resolver.h"
#include "indexer/indexer.h"

namespace exidx::server {

// Thread-safe.
class ServerMetrics {
 public:
  // Upper bounds (seconds) of the request-latency histogram's buckets.
  static constexpr double kLatencyBuckets[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

  // One answered request of `route` ("none" for requests the router never saw:
  // limits, unknown paths).
  void RecordRequest(std::string_view route, int status, double seconds);
  void RecordIngest(const IngestCounts& counts);
  void RecordInvalidEvents(std::uint64_t events);
  void SseClientOpened() { ++sse_clients_; }
  void SseClientClosed() { --sse_clients_; }
  std::int64_t sse_clients() const { return sse_clients_.load(); }

  // Everything, with the tag cache's statistics and (when >= 0) the store's
  // size on disk.
  std::string Render(const AgentCacheStats& tags, std::int64_t store_bytes) const;

 private:
  struct Latency {
    std::vector<std::uint64_t> buckets = std::vector<std::uint64_t>(std::size(kLatencyBuckets), 0);
    std::uint64_t count = 0;
    double sum = 0;
  };

  mutable std::mutex mu_;
  std::map<std::pair<std::string, int>, std::uint64_t> requests_;  // Guarded by mu_.
  std::map<std::string, Latency> latency_;                         // Guarded by mu_.
  std::atomic<std::uint64_t> received_{0}, indexed_{0}, unchanged_{0}, skipped_{0}, invalid_{0};
  std::atomic<std::int64_t> sse_clients_{0};
};

}  // namespace exidx::server
