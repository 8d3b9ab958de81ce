// FaultProxy: a loopback HTTP/1.1 proxy in front of an AWS endpoint (moto_server)
// that injects the faults DynamoDB clients meet in production, at given rates,
// from a seeded generator: throttling (HTTP 400 ThrottlingException), 5xx,
// connections cut before the request is forwarded, connections cut after it
// was forwarded and applied but before the answer (the ambiguous case), and
// delays. Faults apply only to the operations named (X-Amz-Target suffixes),
// so that setup calls (DescribeTable) pass untouched.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace exidx::testing {

struct FaultRates {
  double throttle = 0;      // Answer 400 ThrottlingException, not forwarded.
  double server_error = 0;  // Answer 500 InternalServerError, not forwarded.
  double cut_before = 0;    // Close the connection, not forwarded.
  double cut_after = 0;     // Forward (so it is applied), then close without answering.
  double delay = 0;         // Wait `delay_by`, then forward and answer.
  std::chrono::milliseconds delay_by{0};
  // Operations faults apply to ("PutItem"); empty: every operation.
  std::set<std::string> operations;
  // When > 0, a faulted operation's request waits (up to 2 s) until this
  // many are in flight at once, then all go on: shows how many a client
  // sends concurrently without depending on timing.
  int gate = 0;
  // When set, the faulted operations also share a service's token bucket:
  // `burst` tokens, refilled at `per_second`; a request finding it empty is
  // answered 400 ThrottlingException (counted in `throttled`), as Step
  // Functions throttles each API per account and region.
  struct Quota {
    double burst = 100;
    double per_second = 1;
  };
  std::optional<Quota> quota;
};

struct FaultProxyStats {
  std::uint64_t requests = 0;   // Requests received (all operations).
  std::uint64_t forwarded = 0;  // Sent on to the upstream.
  std::uint64_t throttled = 0;
  std::uint64_t server_errors = 0;
  std::uint64_t cut_before = 0;
  std::uint64_t cut_after = 0;
  std::uint64_t delayed = 0;
  // Requests of the faulted operations, and how many distinct bodies they
  // carried: the difference is what clients sent again (retries).
  std::uint64_t faultable = 0;
  std::uint64_t distinct_bodies = 0;
  int peak_in_flight = 0;  // Most requests of the faulted operations being handled at once.
};

class FaultProxy {
 public:
  // Listens on 127.0.0.1 and a free port; forwards to `upstream_url`
  // (http://127.0.0.1:PORT). Aborts the test binary when it cannot listen.
  FaultProxy(const std::string& upstream_url, std::uint64_t seed);
  ~FaultProxy();  // Closes every connection and joins all threads.
  FaultProxy(const FaultProxy&) = delete;
  FaultProxy& operator=(const FaultProxy&) = delete;

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  void SetFaults(FaultRates rates);
  FaultProxyStats Stats() const;
  void ResetStats();

 private:
  enum class Fault { kNone, kThrottle, kServerError, kCutBefore, kCutAfter, kDelay };

  void AcceptLoop();
  void Serve(int fd);
  Fault Draw(const std::string& operation, const std::string& body);
  bool WaitGate(int gate);
  bool SleepOrStop(std::chrono::milliseconds duration);

  int upstream_port_ = 0;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  mutable std::mutex mu_;
  double quota_tokens_ = 0;  // Guarded by mu_; refilled from quota_updated_.
  std::chrono::steady_clock::time_point quota_updated_;
  std::condition_variable changed_;
  FaultRates rates_;                  // Guarded by mu_.
  std::mt19937_64 rng_;               // Guarded by mu_.
  FaultProxyStats stats_;             // Guarded by mu_.
  int in_flight_ = 0;                 // Guarded by mu_.
  std::set<std::size_t> bodies_;      // Guarded by mu_: hashes of the faulted operations' bodies.
  std::vector<int> client_fds_;       // Guarded by mu_: shut down on stop.
  std::vector<std::thread> workers_;  // The accept thread's, until it is joined.
  std::thread acceptor_;
};

}  // namespace exidx::testing
