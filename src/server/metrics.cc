#include "server/metrics.h"

#include <fmt/format.h>

namespace exidx::server {

void ServerMetrics::RecordRequest(std::string_view route, int status, double seconds) {
  std::lock_guard lock(mu_);
  ++requests_[{std::string(route), status}];
  Latency& latency = latency_[std::string(route)];
  for (std::size_t i = 0; i < std::size(kLatencyBuckets); ++i) {
    if (seconds <= kLatencyBuckets[i]) ++latency.buckets[i];
  }
  ++latency.count;
  latency.sum += seconds;
}

void ServerMetrics::RecordIngest(const IngestCounts& counts) {
  received_ += counts.received;
  indexed_ += counts.indexed;
  unchanged_ += counts.unchanged;
  skipped_ += counts.skipped;
}

void ServerMetrics::RecordInvalidEvents(std::uint64_t events) {
  invalid_ += events;
}

std::string ServerMetrics::Render(const AgentCacheStats& tags, std::int64_t store_bytes) const {
  std::string out;
  auto counter = [&out](std::string_view name, std::string_view help, std::uint64_t value) {
    out += fmt::format("# HELP {0} {1}\n# TYPE {0} counter\n{0} {2}\n", name, help, value);
  };
  {
    std::lock_guard lock(mu_);
    out +=
        "# HELP exidx_http_requests_total HTTP requests answered, by route and status code.\n"
        "# TYPE exidx_http_requests_total counter\n";
    for (const auto& [key, value] : requests_) {
      out += fmt::format("exidx_http_requests_total{{route=\"{}\",code=\"{}\"}} {}\n", key.first, key.second, value);
    }
    out +=
        "# HELP exidx_http_request_duration_seconds Time from a request's arrival to its answer, by route.\n"
        "# TYPE exidx_http_request_duration_seconds histogram\n";
    for (const auto& [route, latency] : latency_) {
      for (std::size_t i = 0; i < std::size(kLatencyBuckets); ++i) {
        out += fmt::format("exidx_http_request_duration_seconds_bucket{{route=\"{}\",le=\"{}\"}} {}\n", route,
                           kLatencyBuckets[i], latency.buckets[i]);
      }
      out += fmt::format("exidx_http_request_duration_seconds_bucket{{route=\"{}\",le=\"+Inf\"}} {}\n", route,
                         latency.count);
      out += fmt::format("exidx_http_request_duration_seconds_sum{{route=\"{}\"}} {}\n", route, latency.sum);
      out += fmt::format("exidx_http_request_duration_seconds_count{{route=\"{}\"}} {}\n", route, latency.count);
    }
  }
  counter("exidx_events_received_total", "Events received in accepted ingestion requests.", received_.load());
  counter("exidx_events_indexed_total", "Events that changed a record.", indexed_.load());
  counter("exidx_events_unchanged_total", "Events older than or equal to the stored record.", unchanged_.load());
  counter("exidx_events_skipped_total", "Events of other kinds or of non-agent state machines.", skipped_.load());
  counter("exidx_events_invalid_total",
          "Invalid events that made an ingestion request fail (the first one of each rejected request).",
          invalid_.load());
  counter("exidx_tag_cache_hits_total", "Agent decisions answered from the tag cache.", tags.hits);
  counter("exidx_tag_cache_misses_total", "Tag lookups made at the tag source.", tags.misses);
  counter("exidx_tag_cache_failures_total", "Tag lookups that failed (their events were refused with 503).",
          tags.failures);
  counter("exidx_tag_lookups_throttled_total", "Tag lookups that failed because Step Functions throttled them.",
          tags.throttled);
  counter("exidx_tag_cache_shared_hits_total", "Agent decisions read from the tag cache shared through the store.",
          tags.shared.hits);
  counter("exidx_tag_cache_shared_waits_total",
          "Tag lookups that waited for another process's lookup of the same state machine.", tags.shared.waits);
  counter("exidx_tag_cache_shared_errors_total",
          "Shared tag cache reads or writes that failed (the process then asked Step Functions itself).",
          tags.shared.store_errors);
  out += fmt::format(
      "# HELP exidx_sse_clients Live-update (SSE) streams open now.\n# TYPE exidx_sse_clients gauge\n"
      "exidx_sse_clients {}\n",
      sse_clients_.load());
  if (store_bytes >= 0) {
    out += fmt::format(
        "# HELP exidx_store_bytes Size of the embedded store's files on disk.\n# TYPE exidx_store_bytes gauge\n"
        "exidx_store_bytes {}\n",
        store_bytes);
  }
  return out;
}

}  // namespace exidx::server
