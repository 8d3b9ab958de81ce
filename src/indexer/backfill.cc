#include "indexer/backfill.h"

#include <boost/json.hpp>
#include <fmt/format.h>

#include <mutex>
#include <random>
#include <thread>

#include "indexer/indexer.h"
#include "indexer/listed_execution.h"

namespace exidx {
namespace {

namespace json = boost::json;

json::value OptionalMillis(const std::optional<EpochMillis>& millis) {
  return millis ? json::value(*millis) : json::value(nullptr);
}

// The options a run to resume must match, as its checkpoint keeps them.
json::object RunOptions(const BackfillOptions& options) {
  json::array machines;
  for (const auto& arn : options.state_machines) machines.emplace_back(arn);
  return json::object{{"since", OptionalMillis(options.since)},
                      {"until", OptionalMillis(options.until)},
                      {"stateMachines", std::move(machines)},
                      {"describe", options.describe}};
}

std::string NewRunId(const Clock& clock) {
  std::random_device random;
  return fmt::format("{}-{:08x}", clock.NowMillis(), random());
}

Result<json::object> ParseCheckpoint(const std::string& text, std::string_view name) {
  boost::system::error_code ec;
  json::value value = json::parse(text, ec);
  if (ec || !value.is_object()) {
    return Fail(ErrorCode::kInternal, "the store's checkpoint " + Quoted(name) + " is not a JSON object");
  }
  return std::move(value.get_object());
}

std::string StringOf(const json::object& object, std::string_view key) {
  const auto* value = object.if_contains(key);
  return value && value->is_string() ? std::string(value->get_string()) : std::string();
}

// Why `given` cannot resume the run of `stored` options, or "" when it can.
std::string Mismatch(const json::object& stored, const json::object& given) {
  for (const auto& [key, value] : given) {
    const auto* kept = stored.if_contains(key);
    if (!kept || *kept != value) {
      return fmt::format("{}: the run was started with {}, not {}", std::string_view(key),
                         kept ? json::serialize(*kept) : "nothing", json::serialize(value));
    }
  }
  return "";
}

}  // namespace

struct Backfill::Counters {
  std::atomic<std::uint64_t> state_machines{0}, state_machines_done{0}, state_machines_resumed{0}, not_agents{0},
      listed{0}, after_until{0}, described{0}, indexed{0}, unchanged{0}, restarted_listings{0};
  std::atomic<bool> finished_before{false}, stopped{false};
};

std::string Backfill::StateMachineCheckpoint(std::string_view arn) const {
  return options_.checkpoint + "/" + std::string(arn);
}

bool Backfill::MayCall() {
  if (counters_->stopped) return false;
  // A call and its retries need time (BackfillOptions::deadline).
  const bool out_of_time = options_.deadline.bounded() && options_.deadline.Remaining() < kCallMargin;
  const bool out_of_calls =
      options_.max_calls && step_functions_.Stats().calls.calls - calls_before_ >= *options_.max_calls;
  if (out_of_time || out_of_calls) counters_->stopped = true;
  return !counters_->stopped;
}

std::string RenderBackfillCounts(const BackfillCounts& c) {
  return fmt::format(
      R"({{"stateMachines":{},"stateMachinesDone":{},"stateMachinesResumed":{},"notAgents":{},"listed":{},)"
      R"("afterUntil":{},"described":{},"indexed":{},"unchanged":{},"restartedListings":{},"finishedBefore":{},)"
      R"("stopped":{}}})",
      c.state_machines, c.state_machines_done, c.state_machines_resumed, c.not_agents, c.listed, c.after_until,
      c.described, c.indexed, c.unchanged, c.restarted_listings, c.finished_before, c.stopped);
}

Backfill::Backfill(ExecutionStore& store, AgentResolver& agents, aws::StepFunctionsRegions& step_functions,
                   const Clock& clock, BackfillOptions options)
    : store_(store),
      agents_(agents),
      step_functions_(step_functions),
      clock_(clock),
      options_(std::move(options)),
      counters_(std::make_unique<Counters>()) {}

Backfill::~Backfill() = default;

BackfillCounts Backfill::Progress() const {
  const Counters& c = *counters_;
  return BackfillCounts{.state_machines = c.state_machines,
                        .state_machines_done = c.state_machines_done,
                        .state_machines_resumed = c.state_machines_resumed,
                        .not_agents = c.not_agents,
                        .listed = c.listed,
                        .after_until = c.after_until,
                        .described = c.described,
                        .indexed = c.indexed,
                        .unchanged = c.unchanged,
                        .restarted_listings = c.restarted_listings,
                        .finished_before = c.finished_before,
                        .stopped = c.stopped};
}

Status Backfill::StartRun() {
  const json::object given = RunOptions(options_);
  if (options_.resume) {
    auto stored = store_.ReadCheckpoint(options_.checkpoint);
    if (!stored) return std::unexpected(stored.error());
    if (*stored) {
      auto run = ParseCheckpoint(**stored, options_.checkpoint);
      if (!run) return std::unexpected(run.error());
      const auto* kept = run->if_contains("options");
      const std::string mismatch = kept && kept->is_object() ? Mismatch(kept->get_object(), given) : "no options";
      if (!mismatch.empty() && options_.restart_other_runs) return StartFreshRun(given);
      if (!mismatch.empty()) {
        return Fail(ErrorCode::kInvalidParameter,
                    "--resume continues the backfill this store recorded, with the same options: " + mismatch);
      }
      run_id_ = StringOf(*run, "run");
      if (const auto* finished = run->if_contains("finished"); finished && finished->is_bool()) {
        counters_->finished_before = finished->get_bool();
      }
      return {};
    }
    // Nothing to resume: a fresh run, which --resume can continue in turn.
  }
  return StartFreshRun(given);
}

Status Backfill::StartFreshRun(const boost::json::object& options) {
  run_id_ = NewRunId(clock_);
  return store_.WriteCheckpoint(
      options_.checkpoint, json::serialize(json::object{{"run", run_id_}, {"options", options}, {"finished", false}}));
}

Result<std::vector<Backfill::StateMachine>> Backfill::StateMachinesToBackfill() {
  std::vector<StateMachine> machines;
  if (!options_.state_machines.empty()) {
    for (const auto& arn : options_.state_machines) machines.push_back({.arn = arn});
    return machines;
  }
  auto listed = aws::ListAllStateMachines(step_functions_.Home());
  if (!listed) return std::unexpected(listed.error());
  for (const auto& machine : *listed) {
    machines.push_back({.arn = machine.state_machine_arn, .express = machine.type == "EXPRESS"});
  }
  return machines;
}

Result<BackfillCounts> Backfill::Run() {
  calls_before_ = step_functions_.Stats().calls.calls;
  if (auto started = StartRun(); !started) return std::unexpected(started.error());
  if (counters_->finished_before) return Progress();
  auto machines = StateMachinesToBackfill();
  if (!machines) return std::unexpected(machines.error());
  counters_->state_machines = machines->size();

  // Workers take state machines in order; the first failure stops them all.
  std::atomic<std::size_t> next{0};
  std::mutex mu;
  std::optional<Error> failure;  // Guarded by mu.
  auto work = [&] {
    for (;;) {
      {
        std::lock_guard lock(mu);
        if (failure) return;
      }
      const std::size_t at = next++;
      if (at >= machines->size()) return;
      if (auto done = BackfillStateMachine((*machines)[at]); !done) {
        std::lock_guard lock(mu);
        if (!failure) failure = done.error();
        return;
      }
    }
  };
  const std::size_t workers = std::min<std::size_t>(std::max(1, options_.parallel), machines->size());
  std::vector<std::thread> threads;
  for (std::size_t i = 1; i < workers; ++i) threads.emplace_back(work);
  work();
  for (auto& thread : threads) thread.join();
  if (failure) return std::unexpected(*failure);
  if (counters_->stopped) return Progress();  // Not finished: the checkpoints continue it.

  auto finished = store_.WriteCheckpoint(
      options_.checkpoint,
      json::serialize(json::object{{"run", run_id_}, {"options", RunOptions(options_)}, {"finished", true}}));
  if (!finished) return std::unexpected(finished.error());
  return Progress();
}

Status Backfill::WriteProgress(const std::string& arn, bool done, const std::optional<std::string>& next_token) {
  json::object progress{{"run", run_id_}, {"done", done}};
  if (next_token) progress["nextToken"] = *next_token;
  return store_.WriteCheckpoint(StateMachineCheckpoint(arn), json::serialize(progress));
}

Status Backfill::BackfillStateMachine(const StateMachine& machine) {
  std::optional<std::string> token;
  if (options_.resume) {
    auto stored = store_.ReadCheckpoint(StateMachineCheckpoint(machine.arn));
    if (!stored) return std::unexpected(stored.error());
    if (*stored) {
      auto progress = ParseCheckpoint(**stored, StateMachineCheckpoint(machine.arn));
      if (!progress) return std::unexpected(progress.error());
      if (StringOf(*progress, "run") == run_id_) {
        const auto* done = progress->if_contains("done");
        if (done && done->is_bool() && done->get_bool()) {
          ++counters_->state_machines_done;
          ++counters_->state_machines_resumed;
          return {};
        }
        if (const auto* kept = progress->if_contains("nextToken"); kept && kept->is_string()) {
          token = std::string(kept->get_string());
        }
      }
    }
  }
  auto finish = [&](bool agent) -> Status {
    if (!agent) ++counters_->not_agents;
    if (auto written = WriteProgress(machine.arn, true, std::nullopt); !written) return written;
    ++counters_->state_machines_done;
    return {};
  };
  // Express workflows keep no history in the API (ListExecutions refuses
  // them) and send no status-change events: nothing to index.
  if (machine.express) return finish(false);
  // A tag lookup is a call too (unless cached), and waits for its token no
  // longer than the run may last.
  if (!MayCall()) return {};
  auto agent = agents_.AgentNameOf(machine.arn, options_.deadline);
  if (!agent) return std::unexpected(agent.error());
  if (!agent->has_value()) return finish(false);

  auto client = step_functions_.ForArn(machine.arn);
  if (!client) return std::unexpected(client.error());
  bool resumed_token = token.has_value();
  for (;;) {
    if (!MayCall()) return {};
    aws::ServiceError service_error;
    auto page = (*client)->ListExecutions(machine.arn, std::nullopt, token, options_.page_size, &service_error);
    if (!page) {
      if (service_error.type == "InvalidToken" && resumed_token) {
        // Listing tokens expire after 24 hours: list this machine again.
        ++counters_->restarted_listings;
        token.reset();
        resumed_token = false;
        continue;
      }
      if (service_error.type == "StateMachineDoesNotExist") return finish(true);  // Deleted meanwhile.
      if (service_error.type == "StateMachineTypeNotSupported") return finish(false);
      return std::unexpected(page.error());
    }
    resumed_token = false;
    auto reached_since = ApplyPage(page->items, **client);
    if (!reached_since) return std::unexpected(reached_since.error());
    if (counters_->stopped) return {};  // The page may not be applied whole: its checkpoint stays.
    if (*reached_since || !page->next_token) return finish(true);
    token = page->next_token;
    if (auto written = WriteProgress(machine.arn, false, token); !written) return written;
  }
}

Result<bool> Backfill::ApplyPage(const std::vector<aws::ExecutionSummary>& page, aws::StepFunctionsClient& client) {
  std::vector<ParsedEvent> events;
  events.reserve(page.size());
  bool reached_since = false;
  for (const aws::ExecutionSummary& listed : page) {
    if (options_.since && listed.start_date < *options_.since) {
      reached_since = true;  // Newest first: every later one started before too.
      break;
    }
    ++counters_->listed;
    if (options_.until && listed.start_date > *options_.until) {
      ++counters_->after_until;
      continue;
    }
    aws::ExecutionDescription execution{.summary = listed};
    if (options_.describe && NeedsDescription(listed)) {
      auto change = StatusChangeOf(execution);
      if (!change) return std::unexpected(change.error());
      // What the listing says may already be indexed, error and cause with
      // it (from its event or an earlier backfill): then there is nothing to
      // describe.
      auto stored = store_.Get(listed.execution_arn);
      if (!stored) return std::unexpected(stored.error());
      const ExecutionRecord candidate{
          .status = change->status, .stop_date = change->stop_date, .redrive_count = change->redrive_count};
      if (!*stored || Supersedes(candidate, &**stored)) {
        if (!MayCall()) return false;  // The page is not applied: its checkpoint is left as it was.
        aws::ServiceError service_error;
        auto described = client.DescribeExecution(listed.execution_arn, &service_error);
        ++counters_->described;
        if (described) {
          execution = std::move(*described);
        } else if (service_error.type != "ExecutionDoesNotExist") {
          return std::unexpected(described.error());
        }
      }
    }
    auto change = StatusChangeOf(execution);
    if (!change) return std::unexpected(change.error());
    events.emplace_back(std::move(*change));
  }
  if (events.empty()) return reached_since;
  Indexer indexer(store_, agents_, clock_);
  auto counts = indexer.Ingest(events);
  if (!counts) return std::unexpected(counts.error());
  counters_->indexed += counts->indexed;
  counters_->unchanged += counts->unchanged;
  return reached_since;
}

}  // namespace exidx
