// EventSimulator (simulator.h): plans each execution's events, holds them
// until their delivery time and renders them as EventBridge writes them; and
// WriteSimulation. The catalog, the randomness, the outcome draws and the
// options are in the files beside this one.
#include "simulate/simulator.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ostream>
#include <queue>

#include "core/json_writer.h"
#include "simulate/execution_outcome.h"
#include "simulate/simulation_catalog.h"
#include "simulate/split_mix64.h"
#include "simulate/time_spans.h"

namespace exidx {
namespace {

using simulate::AgentSpec;
using simulate::AgentSpecOf;
using simulate::DrawDuration;
using simulate::DrawOutcome;
using simulate::FailureSpec;
using simulate::Hash;
using simulate::kDay;
using simulate::kEligiblePer10k;
using simulate::kEventsPer10k;
using simulate::kHour;
using simulate::kMinute;
using simulate::kRedrivenSucceedPercent;
using simulate::kSecond;
using simulate::Mix64;
using simulate::OtherSpec;
using simulate::OtherSpecOf;
using simulate::Outcome;
using simulate::Salt;
using simulate::SplitMix64;
using simulate::Threshold53;

// Start-time weight by UTC hour: busy in European and American working hours.
constexpr std::uint64_t kHourWeights[24] = {30, 25, 20, 18,  18,  20, 25, 35, 50, 60, 65, 65,
                                            70, 80, 90, 100, 100, 95, 90, 85, 75, 60, 45, 35};
constexpr std::uint64_t kWeekendPercent = 40;
constexpr std::int64_t kMaxBuckets = std::int64_t{1} << 20;

constexpr std::size_t kMaxEventsPerExecution = 4;
constexpr EpochMillis kMinLatency = 100;
constexpr EpochMillis kMaxLatency = 999;  // Below the shortest gap between two events (1.4 s).

void AppendInt(std::string& out, std::int64_t value) {
  char buffer[24];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  out.append(buffer, result.ptr);
}

using UuidText = std::array<char, 36>;

UuidText FormatUuid(std::uint64_t high, std::uint64_t low) {
  static constexpr char kHex[] = "0123456789abcdef";
  UuidText text;
  int pos = 0;
  for (int i = 0; i < 32; ++i) {
    if (i == 8 || i == 12 || i == 16 || i == 20) text[pos++] = '-';
    const std::uint64_t word = i < 16 ? high : low;
    text[pos++] = kHex[(word >> (60 - 4 * (i % 16))) & 0xF];
  }
  return text;
}

void Append(std::string& out, const UuidText& text) {
  out.append(text.data(), text.size());
}

void Check(const Status& status) {
  if (!status) {
    std::fprintf(stderr, "EventSimulator: %s\n", status.error().message.c_str());
    std::abort();
  }
}

}  // namespace

// ---------------------------------------------------------------------------

class EventSimulator::Impl {
 public:
  explicit Impl(const SimulationOptions& options);
  bool Next(std::string& line, EpochMillis* delivery_time);
  void SetObserver(std::function<void(const SimulatedExecution&)> observer) { observer_ = std::move(observer); }

 private:
  // The rendering of one state machine that every event of it shares.
  struct Machine {
    std::string arn_json;                // Quoted.
    std::string execution_prefix;        // "arn:aws:states:<region>:<account>:execution:<name>:"
    std::array<std::string, 2> inputs;   // Quoted JSON strings.
    std::array<std::string, 2> outputs;  // Quoted JSON strings.
    EpochMillis timeout = kHour;
    int speed_percent = 100;
  };

  // An event waiting for its delivery time: plain data, rendered when delivered.
  struct PendingEvent {
    EpochMillis delivery = 0;
    std::uint64_t sequence = 0;
    std::int64_t number = 0;  // Of the execution, in start order.
    EpochMillis occurred = 0;
    EpochMillis start = 0;
    EpochMillis stop = -1;          // -1: null.
    EpochMillis redrive_date = -1;  // -1: not redriven.
    std::uint32_t machine = 0;
    ExecutionStatus status = ExecutionStatus::kRunning;
    std::uint8_t ordinal = 0;  // Of the event within its execution: picks its id.
    std::uint8_t redrive_count = 0;
    std::uint8_t failure = 0;
    std::uint8_t variant = 0;  // Which prompt and answer.
  };

  struct LaterDelivery {
    bool operator()(const PendingEvent& a, const PendingEvent& b) const {
      return a.delivery != b.delivery ? a.delivery > b.delivery : a.sequence > b.sequence;
    }
  };

  void BuildStartBuckets();
  bool HasMoreExecutions() const { return planned_ < options_.executions && next_start_ >= 0; }
  void ComputeNextStart();
  void PlanNextExecution();
  UuidText ExecutionName(std::int64_t number) const;
  void AppendTime(std::string& out, EpochMillis t);
  void Render(const PendingEvent& event, std::string& out);

  SimulationOptions options_;
  bool live_ = false;
  std::vector<Machine> machines_;
  std::vector<std::string> state_machine_arns_;
  std::vector<std::uint64_t> machine_weights_;  // Cumulative.
  std::string account_json_;
  std::string region_json_;
  std::vector<std::string> failures_json_;  // `,"error":...,"cause":...`

  // Start times, window mode: cumulative weights of buckets of bucket_millis_.
  std::vector<std::uint64_t> bucket_weights_;
  EpochMillis bucket_millis_ = kHour;
  std::size_t bucket_cursor_ = 0;
  std::int64_t live_interval_micros_ = 0;

  EpochMillis clip_ = 0;        // Events that would occur at or after this are left out.
  std::int64_t planned_ = 0;    // Executions planned so far.
  EpochMillis next_start_ = 0;  // Start of execution `planned_`; -1 past the end of time.
  std::uint64_t sequence_ = 0;
  std::uint64_t reorder_threshold_ = 0;
  std::uint64_t duplicate_threshold_ = 0;
  std::priority_queue<PendingEvent, std::vector<PendingEvent>, LaterDelivery> pending_;
  std::function<void(const SimulatedExecution&)> observer_;
  std::string scratch_;
  std::int64_t cached_day_ = std::numeric_limits<std::int64_t>::min();
  std::string cached_date_;  // "YYYY-MM-DD" of cached_day_.
};

EventSimulator::Impl::Impl(const SimulationOptions& options)
    : options_(options), live_(options.executions_per_second > 0) {
  Check(ValidateSimulationOptions(options));
  account_json_ = JsonQuote(options.account);
  region_json_ = JsonQuote(options.region);
  for (const FailureSpec& f : simulate::Failures()) {
    failures_json_.push_back(fmt::format(R"(,"error":{},"cause":{})", JsonQuote(f.error), JsonQuote(f.cause)));
  }

  // Popularity: agent i has weight 1/(i+1); the non-agents share 10% of all.
  constexpr std::uint64_t kScale = std::uint64_t{1} << 40;
  std::uint64_t total = 0;
  for (int i = 0; i < options.agents; ++i) {
    total += kScale / static_cast<std::uint64_t>(i + 1);
    machine_weights_.push_back(total);
  }
  const std::uint64_t agent_total = total;
  for (int i = 0; i < options.non_agent_machines; ++i) {
    total += agent_total / 9 / static_cast<std::uint64_t>(options.non_agent_machines);
    machine_weights_.push_back(total);
  }

  std::vector<SimulatedStateMachine> catalog = SimulatedStateMachines(options);
  for (std::size_t i = 0; i < catalog.size(); ++i) {
    const SimulatedStateMachine& sm = catalog[i];
    Machine m;
    m.arn_json = JsonQuote(sm.arn);
    m.execution_prefix = fmt::format("arn:aws:states:{}:{}:execution:{}:", options.region, options.account, sm.name);
    const int index = static_cast<int>(i);
    if (index < options.agents) {
      const AgentSpec& spec = AgentSpecOf(index);
      for (std::size_t v = 0; v < 2; ++v) {
        JsonWriter input;
        input.BeginObject();
        input.Key("messages");
        input.BeginArray();
        input.BeginObject();
        input.Key("role");
        input.String("user");
        input.Key("content");
        input.String(spec.prompts[v]);
        input.EndObject();
        input.EndArray();
        input.EndObject();
        m.inputs[v] = JsonQuote(input.Take());
        JsonWriter output;
        output.BeginObject();
        output.Key("answer");
        output.String(spec.answers[v]);
        output.EndObject();
        m.outputs[v] = JsonQuote(output.Take());
      }
      m.timeout = kHour;
      m.speed_percent = 70 + static_cast<int>(Mix64(i + 1) % 81);
    } else {
      const OtherSpec& spec = OtherSpecOf(index - options.agents);
      m.inputs = {JsonQuote(spec.input), JsonQuote(spec.input)};
      m.outputs = {JsonQuote(spec.output), JsonQuote(spec.output)};
      m.timeout = spec.timeout;
      m.speed_percent = 100;
    }
    machines_.push_back(std::move(m));
    state_machine_arns_.push_back(sm.arn);
  }

  reorder_threshold_ = Threshold53(std::min(1.0, options.reorder_rate * (kEventsPer10k / kEligiblePer10k)));
  duplicate_threshold_ = Threshold53(options.duplicate_rate);
  if (live_) {
    live_interval_micros_ = std::max<std::int64_t>(1, std::llround(1e6 / options.executions_per_second));
    clip_ = kMaxEpochMillis;
  } else {
    BuildStartBuckets();
    clip_ = options.window_end;
  }
  ComputeNextStart();
}

// Splits the window into buckets (an hour, or more for windows over ~120
// years) weighted by hour of day, weekday and some noise, so that traffic has
// a daily rhythm and bursts.
void EventSimulator::Impl::BuildStartBuckets() {
  const EpochMillis window = options_.window_end - options_.window_start;
  bucket_millis_ = kHour;
  if (window / kHour >= kMaxBuckets) bucket_millis_ = window / kMaxBuckets + 1;
  SplitMix64 rng(Hash(options_.seed, Salt::kBuckets, 0));
  bucket_weights_.push_back(0);
  std::uint64_t total = 0;
  for (EpochMillis t = options_.window_start; t < options_.window_end; t += bucket_millis_) {
    const EpochMillis length = std::min(bucket_millis_, options_.window_end - t);
    const std::int64_t hour = t / kHour % 24;
    const std::int64_t weekday = (t / kDay + 4) % 7;  // 1970-01-01 was a Thursday; 0 is Sunday.
    const std::uint64_t day_percent = (weekday == 0 || weekday == 6) ? kWeekendPercent : 100;
    const std::uint64_t noise_percent = 50 + rng.Below(101);
    const std::uint64_t full = kHourWeights[hour] * day_percent * noise_percent;
    total += std::max<std::uint64_t>(
        1, full * static_cast<std::uint64_t>(length) / static_cast<std::uint64_t>(bucket_millis_));
    bucket_weights_.push_back(total);
  }
}

// Start times are stratified: execution k lands at quantile (k + u) / N of the
// window's weight, so they come out in order without being held in memory.
void EventSimulator::Impl::ComputeNextStart() {
  if (planned_ >= options_.executions) return;
  const std::uint64_t random = Hash(options_.seed, Salt::kStart, static_cast<std::uint64_t>(planned_));
  const auto k = static_cast<unsigned __int128>(planned_);
  if (live_) {
    const unsigned __int128 micros = k * static_cast<std::uint64_t>(live_interval_micros_) +
                                     random % static_cast<std::uint64_t>(live_interval_micros_);
    const unsigned __int128 start = static_cast<unsigned __int128>(options_.window_start) + micros / 1000;
    // The end of time (year 9999) ends even an unbounded stream.
    next_start_ =
        start > static_cast<unsigned __int128>(kMaxEpochMillis - 366 * kDay) ? -1 : static_cast<EpochMillis>(start);
    return;
  }
  const std::uint64_t total = bucket_weights_.back();
  const unsigned __int128 jitter = (static_cast<unsigned __int128>(random >> 32) * total) >> 32;
  const auto x = static_cast<std::uint64_t>((k * total + jitter) / static_cast<std::uint64_t>(options_.executions));
  while (bucket_weights_[bucket_cursor_ + 1] <= x) ++bucket_cursor_;
  const EpochMillis bucket_start = options_.window_start + static_cast<EpochMillis>(bucket_cursor_) * bucket_millis_;
  const EpochMillis length = std::min(bucket_millis_, options_.window_end - bucket_start);
  const std::uint64_t weight = bucket_weights_[bucket_cursor_ + 1] - bucket_weights_[bucket_cursor_];
  next_start_ = bucket_start + static_cast<EpochMillis>((x - bucket_weights_[bucket_cursor_]) *
                                                        static_cast<std::uint64_t>(length) / weight);
}

void EventSimulator::Impl::PlanNextExecution() {
  const std::int64_t number = planned_;
  const EpochMillis start = next_start_;
  ++planned_;
  ComputeNextStart();

  SplitMix64 rng(Hash(options_.seed, Salt::kExecution, static_cast<std::uint64_t>(number)));
  const std::uint64_t pick = rng.Below(machine_weights_.back());
  const auto machine_index = static_cast<std::uint32_t>(
      std::upper_bound(machine_weights_.begin(), machine_weights_.end(), pick) - machine_weights_.begin());
  const Machine& machine = machines_[machine_index];
  const Outcome outcome = DrawOutcome(rng);

  PendingEvent base;
  base.number = number;
  base.start = start;
  base.machine = machine_index;
  base.failure = static_cast<std::uint8_t>(rng.Below(simulate::Failures().size()));
  base.variant = static_cast<std::uint8_t>(rng.Below(2));

  std::array<PendingEvent, kMaxEventsPerExecution> events;
  std::size_t count = 0;
  auto add = [&](EpochMillis occurred, ExecutionStatus status, EpochMillis stop) -> bool {
    if (occurred >= clip_) return false;
    PendingEvent& e = events[count] = base;
    e.ordinal = static_cast<std::uint8_t>(count);
    e.occurred = occurred;
    e.status = status;
    e.stop = stop;
    ++count;
    return true;
  };

  add(start, ExecutionStatus::kRunning, -1);
  if (outcome != Outcome::kRunning) {
    ExecutionStatus status = ExecutionStatus::kSucceeded;
    EpochMillis duration = 0;
    switch (outcome) {
      case Outcome::kFailed:
      case Outcome::kRedriven: status = ExecutionStatus::kFailed; break;
      case Outcome::kTimedOut: status = ExecutionStatus::kTimedOut; break;
      case Outcome::kAborted: status = ExecutionStatus::kAborted; break;
      default: break;
    }
    if (outcome == Outcome::kTimedOut) {
      duration = machine.timeout + rng.Between(0, 999);
    } else {
      duration = DrawDuration(rng, machine.speed_percent, machine.timeout);
    }
    const EpochMillis stop = start + duration;
    if (add(stop, status, stop) && outcome == Outcome::kRedriven) {
      // Someone notices the failure and redrives it from the failed state.
      const EpochMillis redrive = stop + rng.Between(5 * kMinute, 6 * kHour);
      base.redrive_count = 1;
      base.redrive_date = redrive;
      if (add(redrive, ExecutionStatus::kRunning, -1)) {
        const EpochMillis stop2 = redrive + DrawDuration(rng, machine.speed_percent, machine.timeout);
        const ExecutionStatus final_status =
            rng.Below(100) < kRedrivenSucceedPercent ? ExecutionStatus::kSucceeded : ExecutionStatus::kFailed;
        add(stop2, final_status, stop2);
      }
    }
  }

  // Delivery, last event first: an event picked for reordering arrives after
  // its successor. Otherwise latencies (<1 s) are below any gap between two
  // events of an execution, so nothing else arrives out of order.
  for (std::size_t i = count; i-- > 0;) {
    PendingEvent& e = events[i];
    e.delivery = e.occurred + rng.Between(kMinLatency, kMaxLatency);
    if (i + 1 < count && rng.Chance(reorder_threshold_)) {
      e.delivery = events[i + 1].delivery + rng.Between(1, 5 * kSecond);
    }
  }
  for (std::size_t i = 0; i < count; ++i) {
    PendingEvent& e = events[i];
    e.sequence = sequence_++;
    pending_.push(e);
    if (rng.Chance(duplicate_threshold_)) {
      PendingEvent copy = e;
      copy.delivery += rng.Between(200, 10 * kSecond);
      copy.sequence = sequence_++;
      pending_.push(copy);
    }
  }

  if (observer_) {
    const PendingEvent& last = events[count - 1];
    scratch_ = machine.execution_prefix;
    Append(scratch_, ExecutionName(number));
    SimulatedExecution execution;
    execution.execution_arn = scratch_;
    execution.state_machine_arn = state_machine_arns_[machine_index];
    execution.status = last.status;
    execution.start_date = start;
    if (last.stop >= 0) execution.stop_date = last.stop;
    execution.redrive_count = last.redrive_count;
    execution.events = static_cast<int>(count);
    observer_(execution);
  }
}

// Execution names as the console makes them: a random UUID.
UuidText EventSimulator::Impl::ExecutionName(std::int64_t number) const {
  const auto n = static_cast<std::uint64_t>(number);
  return FormatUuid(Hash(options_.seed, Salt::kName, n), Hash(options_.seed, Salt::kNameLow, n));
}

// "YYYY-MM-DDTHH:MM:SSZ", as EventBridge writes `time`.
void EventSimulator::Impl::AppendTime(std::string& out, EpochMillis t) {
  const std::int64_t day = t / kDay;  // t >= 0.
  if (day != cached_day_) {
    cached_day_ = day;
    cached_date_ = FormatTimestamp(day * kDay).substr(0, 10);
  }
  const std::int64_t seconds = t % kDay / kSecond;
  const int parts[3] = {static_cast<int>(seconds / 3600), static_cast<int>(seconds / 60 % 60),
                        static_cast<int>(seconds % 60)};
  out += cached_date_;
  char text[10] = {'T', 0, 0, ':', 0, 0, ':', 0, 0, 'Z'};
  for (int i = 0; i < 3; ++i) {
    text[1 + 3 * i] = static_cast<char>('0' + parts[i] / 10);
    text[2 + 3 * i] = static_cast<char>('0' + parts[i] % 10);
  }
  out.append(text, sizeof text);
}

// Field names, order and types follow AWS's events (see /work/shared/samples).
// Every string written unquoted here is generated from [0-9a-z:-] (validated
// region and account, catalog names, hex); the rest was quoted by JsonQuote.
void EventSimulator::Impl::Render(const PendingEvent& e, std::string& out) {
  const Machine& m = machines_[e.machine];
  const std::uint64_t event_key = static_cast<std::uint64_t>(e.number) * kMaxEventsPerExecution + e.ordinal;
  const UuidText name = ExecutionName(e.number);
  out += R"({"version":"0","id":")";
  Append(out,
         FormatUuid(Hash(options_.seed, Salt::kEventId, event_key), Hash(options_.seed, Salt::kEventIdLow, event_key)));
  out += R"(","detail-type":"Step Functions Execution Status Change","source":"aws.states","account":)";
  out += account_json_;
  out += R"(,"time":")";
  AppendTime(out, e.occurred);
  out += R"(","region":)";
  out += region_json_;
  out += R"(,"resources":[")";
  out += m.execution_prefix;
  Append(out, name);
  out += R"("],"detail":{"executionArn":")";
  out += m.execution_prefix;
  Append(out, name);
  out += R"(","stateMachineArn":)";
  out += m.arn_json;
  out += R"(,"name":")";
  Append(out, name);
  out += R"(","status":")";
  out += StatusName(e.status);
  out += R"(","startDate":)";
  AppendInt(out, e.start);
  out += R"(,"stopDate":)";
  if (e.stop >= 0) {
    AppendInt(out, e.stop);
  } else {
    out += "null";
  }
  const bool succeeded = e.status == ExecutionStatus::kSucceeded;
  out += R"(,"input":)";
  out += m.inputs[e.variant];
  out += R"(,"output":)";
  out += succeeded ? std::string_view(m.outputs[e.variant]) : std::string_view("null");
  out += R"(,"inputDetails":{"included":true},"outputDetails":)";
  out += succeeded ? R"({"included":true})" : "null";
  if (e.status == ExecutionStatus::kFailed) out += failures_json_[e.failure];
  if (e.redrive_count > 0) {
    out += R"(,"redriveCount":)";
    AppendInt(out, e.redrive_count);
    out += R"(,"redriveDate":)";
    AppendInt(out, e.redrive_date);
    if (e.status == ExecutionStatus::kFailed) {
      out += R"(,"redriveStatus":"REDRIVABLE")";
    } else {
      out += R"(,"redriveStatus":"NOT_REDRIVABLE","redriveStatusReason":"Execution is )";
      out += StatusName(e.status);
      out += R"( and cannot be redriven")";
    }
  }
  out += "}}";
}

bool EventSimulator::Impl::Next(std::string& line, EpochMillis* delivery_time) {
  // Every event not yet planned is delivered after next_start_ (it occurs at
  // or after it, plus latency), so the earliest pending one before that is next.
  while (HasMoreExecutions() && (pending_.empty() || pending_.top().delivery > next_start_)) {
    PlanNextExecution();
  }
  if (pending_.empty()) return false;
  const PendingEvent event = pending_.top();
  pending_.pop();
  Render(event, line);
  if (delivery_time != nullptr) *delivery_time = event.delivery;
  return true;
}

// ---------------------------------------------------------------------------

EventSimulator::EventSimulator(const SimulationOptions& options) : impl_(std::make_unique<Impl>(options)) {}
EventSimulator::~EventSimulator() = default;
EventSimulator::EventSimulator(EventSimulator&&) noexcept = default;
EventSimulator& EventSimulator::operator=(EventSimulator&&) noexcept = default;

bool EventSimulator::Next(std::string& line, EpochMillis* delivery_time) {
  return impl_->Next(line, delivery_time);
}

void EventSimulator::SetExecutionObserver(std::function<void(const SimulatedExecution&)> observer) {
  impl_->SetObserver(std::move(observer));
}

Status WriteSimulation(const SimulationOptions& options, std::ostream& events) {
  if (auto valid = ValidateSimulationOptions(options); !valid) return valid;
  if (options.executions == kUnboundedExecutions) {
    return Fail(ErrorCode::kInvalidParameter, "executions: an unbounded stream cannot be written whole");
  }
  EventSimulator simulator(options);
  constexpr std::size_t kFlushBytes = 1 << 20;
  std::string buffer;
  buffer.reserve(kFlushBytes + 4096);
  while (simulator.Next(buffer)) {
    buffer.push_back('\n');
    if (buffer.size() >= kFlushBytes) {
      events.write(buffer.data(), static_cast<std::streamsize>(buffer.size()));
      buffer.clear();
      if (!events) return Fail(ErrorCode::kInternal, "writing the simulated events failed");
    }
  }
  events.write(buffer.data(), static_cast<std::streamsize>(buffer.size()));
  events.flush();
  if (!events) return Fail(ErrorCode::kInternal, "writing the simulated events failed");
  return {};
}

}  // namespace exidx
