#include "cli/progress.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>

#include "core/json_writer.h"

namespace exidx::cli {
namespace {

constexpr int kBarWidth = 20;

// "6s", "4m05s", "2h03m": short enough for one line.
std::string Duration(double seconds) {
  const auto s = static_cast<std::uint64_t>(seconds + 0.5);
  if (s < 60) return fmt::format("{}s", s);
  if (s < 3600) return fmt::format("{}m{:02}s", s / 60, s % 60);
  return fmt::format("{}h{:02}m", s / 3600, s % 3600 / 60);
}

}  // namespace

Progress::Progress(ProgressOptions options, std::ostream& out, bool terminal)
    : options_(std::move(options)),
      out_(out),
      terminal_(terminal),
      started_(options_.clock->Now()),
      values_(options_.counters.size(), 0),
      last_(started_) {
  if (options_.counters.empty()) std::abort();  // A programming error: nothing to show.
}

bool Progress::StderrIsTerminal() {
  return ::isatty(STDERR_FILENO) == 1;
}

void Progress::SetTotal(std::optional<std::uint64_t> total) {
  std::lock_guard lock(mu_);
  total_ = total;
}

std::uint64_t& Progress::Counter(std::string_view name) {
  const auto it = std::find(options_.counters.begin(), options_.counters.end(), name);
  if (it == options_.counters.end()) std::abort();  // A programming error: an unknown counter.
  return values_[static_cast<std::size_t>(it - options_.counters.begin())];
}

void Progress::Set(std::string_view counter, std::uint64_t value) {
  std::lock_guard lock(mu_);
  Counter(counter) = value;
}

void Progress::Add(std::string_view counter, std::uint64_t delta) {
  std::lock_guard lock(mu_);
  Counter(counter) += delta;
}

void Progress::Tick() {
  std::lock_guard lock(mu_);
  if (finished_ || options_.clock->Now() - last_ < options_.interval) return;
  Render(false);
}

void Progress::Finish() {
  std::lock_guard lock(mu_);
  if (finished_) return;
  Render(true);
  finished_ = true;
}

void Progress::Render(bool final) {
  last_ = options_.clock->Now();
  const double elapsed = std::chrono::duration<double>(last_ - started_).count();
  const double rate = elapsed > 0 ? static_cast<double>(values_[0]) / elapsed : 0;
  std::optional<double> eta;
  if (total_ && rate > 0) eta = static_cast<double>(*total_ - std::min(*total_, values_[0])) / rate;
  if (terminal_) {
    out_ << '\r' << TerminalLine(elapsed, rate, eta) << "\x1b[K" << (final ? "\n" : "") << std::flush;
  } else {
    out_ << JsonLine(elapsed, rate, eta, final) << '\n' << std::flush;
  }
}

std::string Progress::TerminalLine(double elapsed, double rate, const std::optional<double>& eta) const {
  std::string line = options_.command;
  if (total_) {
    const double done =
        *total_ == 0 ? 1.0 : std::min(1.0, static_cast<double>(values_[0]) / static_cast<double>(*total_));
    const int filled = static_cast<int>(done * kBarWidth);
    line += " [" + std::string(static_cast<std::size_t>(filled), '#') +
            std::string(static_cast<std::size_t>(kBarWidth - filled), '-') + "] " +
            fmt::format("{:3}%", static_cast<int>(done * 100));
  }
  for (std::size_t i = 0; i < values_.size(); ++i) {
    line += fmt::format(" {} {}", options_.counters[i], values_[i]);
    if (i == 0 && total_) line += fmt::format("/{}", *total_);
  }
  line += fmt::format(" {:.0f}/s {}", rate, Duration(elapsed));
  if (eta) line += " ETA " + Duration(*eta);
  return line;
}

std::string Progress::JsonLine(double elapsed, double rate, const std::optional<double>& eta, bool final) const {
  JsonWriter w;
  w.BeginObject();
  w.Key("progress");
  w.String(options_.command);
  if (final) {
    w.Key("done");
    w.Bool(true);
  }
  w.Key("elapsedSeconds");
  w.Raw(fmt::format("{:.1f}", elapsed));
  for (std::size_t i = 0; i < values_.size(); ++i) {
    w.Key(options_.counters[i]);
    w.Raw(std::to_string(values_[i]));
  }
  if (total_) {
    w.Key("total");
    w.Raw(std::to_string(*total_));
  }
  w.Key("ratePerSecond");
  w.Raw(fmt::format("{:.1f}", rate));
  if (eta) {
    w.Key("etaSeconds");
    w.Raw(fmt::format("{:.0f}", *eta));
  }
  w.EndObject();
  return w.Take();
}

}  // namespace exidx::cli
