// Progress: how far a long-running command (migrate, backfill) has come, for
// standard error. Named counters, in the order given; the first is the
// measure of progress: the rate counts it, and the total (when known) is its
// expected final value. Rendered at most once per interval:
//   - on a terminal, one line redrawn in place:
//     migrate [#########-----------]  45% scanned 4500/10000 rewritten 3000 skipped 1500 ... 812/s ETA 6s
//   - otherwise one JSON object per line (for logs and programs):
//     {"progress":"migrate","elapsedSeconds":5.5,"scanned":4500,"rewritten":3000,...,"total":10000,
//      "ratePerSecond":812.3,"etaSeconds":7}
// and Finish adds a final line (the terminal line ended with a newline; the
// JSON object with "done":true). The command's result (its counts as JSON)
// goes to standard output separately.
//
// Thread-safe: every method may be called from several threads at once.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "core/deadline.h"

namespace exidx::cli {

struct ProgressOptions {
  std::string command;                // Names every line: "migrate".
  std::vector<std::string> counters;  // Display order; REQUIRES: at least one, distinct.
  std::chrono::milliseconds interval{1000};
  const MonotonicClock* clock = &MonotonicClock::System();
};

class Progress {
 public:
  // Writes to `out`, which must outlive it; `terminal`: draw the redrawn line
  // (StderrIsTerminal() for standard error), else JSON lines.
  Progress(ProgressOptions options, std::ostream& out, bool terminal);

  // True when standard error is a terminal.
  static bool StderrIsTerminal();

  // The first counter's expected final value; nullopt: unknown (no bar, no
  // ETA). An estimate is fine: the bar stops at 100 %.
  void SetTotal(std::optional<std::uint64_t> total);
  // Sets a counter / adds to it. REQUIRES: `counter` is one of the options'.
  void Set(std::string_view counter, std::uint64_t value);
  void Add(std::string_view counter, std::uint64_t delta = 1);
  // Renders a line when the interval has passed since the last one.
  void Tick();
  // Renders the final line. Further calls change nothing.
  void Finish();

 private:
  std::uint64_t& Counter(std::string_view name);  // REQUIRES: mu_ held.
  void Render(bool final);                         // REQUIRES: mu_ held.
  std::string TerminalLine(double elapsed, double rate, const std::optional<double>& eta) const;
  std::string JsonLine(double elapsed, double rate, const std::optional<double>& eta, bool final) const;

  const ProgressOptions options_;
  std::ostream& out_;
  const bool terminal_;
  const MonotonicClock::TimePoint started_;
  std::mutex mu_;
  std::vector<std::uint64_t> values_;     // Guarded by mu_; by the options' order.
  std::optional<std::uint64_t> total_;    // Guarded by mu_.
  MonotonicClock::TimePoint last_;        // Guarded by mu_: when the last line was rendered.
  bool finished_ = false;                 // Guarded by mu_.
};

}  // namespace exidx::cli
