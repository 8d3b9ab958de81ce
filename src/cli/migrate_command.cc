// exidx migrate (migrate_command.h): options, progress and the counts.
#include "cli/migrate_command.h"

#include <atomic>
#include <csignal>
#include <iostream>
#include <mutex>

#include "aws/environment.h"
#include "cli/commands.h"
#include "cli/progress.h"
#include "cli/store_options.h"
#include "core/json_writer.h"
#include "store/dynamodb/table_migration.h"

namespace exidx::cli {
namespace {

// Set by SIGINT and SIGTERM during a run: the segments stop before their next
// page, so that the checkpoints say where to resume.
std::atomic<bool> stop_requested{false};
static_assert(std::atomic<bool>::is_always_lock_free, "set from a signal handler");

extern "C" void RequestStop(int) {
  stop_requested = true;
}

// Handles SIGINT and SIGTERM while it lives.
class StopOnSignal {
 public:
  StopOnSignal() {
    stop_requested = false;
    old_int_ = std::signal(SIGINT, RequestStop);
    old_term_ = std::signal(SIGTERM, RequestStop);
  }
  ~StopOnSignal() {
    std::signal(SIGINT, old_int_);
    std::signal(SIGTERM, old_term_);
  }
  StopOnSignal(const StopOnSignal&) = delete;
  StopOnSignal& operator=(const StopOnSignal&) = delete;

 private:
  void (*old_int_)(int) = SIG_DFL;
  void (*old_term_)(int) = SIG_DFL;
};

// The progress counters, in MigrationCounts' order.
const std::vector<std::string> kCounters = {"scanned", "rewritten", "skipped", "leftAlone", "undecodable", "calls"};

std::vector<std::uint64_t> Values(const MigrationCounts& c) {
  return {c.scanned, c.rewritten, c.skipped, c.left_alone, c.undecodable, c.calls};
}

std::string RenderCounts(const MigrationCounts& counts, bool dry_run) {
  JsonWriter w;
  w.BeginObject();
  const auto values = Values(counts);
  for (std::size_t i = 0; i < kCounters.size(); ++i) {
    w.Key(kCounters[i]);
    w.Raw(std::to_string(values[i]));
  }
  w.Key("dryRun");
  w.Bool(dry_run);
  w.EndObject();
  return w.Take();
}

struct MigrateCommandOptions {
  StoreOptions store;
  MigrateSettings settings;
};

}  // namespace

int RunMigrate(const std::string& table, const MigrateSettings& settings) {
  const aws::Environment& env = aws::Environment::Process();
  auto store = DynamoDbStore::Open(aws::AwsContext::Default(env), DynamoDbStoreOptions{.table_name = table});
  if (!store) return ReportError(store.error());
  Progress progress(ProgressOptions{.command = "migrate", .counters = kCounters}, std::cerr,
                    Progress::StderrIsTerminal());
  std::mutex report_mu;
  std::uint64_t not_rewritten = 0;  // Guarded by report_mu.
  MigrationOptions options{
      .total_segments = settings.segments,
      .writes_in_flight = settings.writes_in_flight,
      .page_limit = settings.page_size,
      .dry_run = settings.dry_run,
      .resume = settings.resume,
      .stop = &stop_requested,
      .on_progress =
          [&progress](const MigrationCounts& counts) {
            const auto values = Values(counts);
            for (std::size_t i = 0; i < kCounters.size(); ++i) progress.Set(kCounters[i], values[i]);
            progress.Tick();
          },
      .on_total = [&progress](std::uint64_t items) { progress.SetTotal(items); },
      .on_not_rewritten =
          [&](const std::string& arn, const Error& error) {
            std::lock_guard lock(report_mu);
            ++not_rewritten;
            std::cerr << "\nexidx migrate: item " << Quoted(arn) << " was not rewritten: " << error.message << '\n';
          },
  };
  MigrationCounts counts;
  Result<MigrationCounts> done = [&] {
    StopOnSignal stop_on_signal;
    return MigrateTable(**store, options, &counts);
  }();
  const auto values = Values(counts);
  for (std::size_t i = 0; i < kCounters.size(); ++i) progress.Set(kCounters[i], values[i]);
  progress.Finish();
  std::cout << RenderCounts(counts, settings.dry_run) << '\n';
  if (!done) {
    const int status = ReportError(done.error());
    if (status == 1 && !settings.dry_run) {
      std::cerr << "exidx: what was rewritten stays rewritten; resume with the same command and --resume\n";
    }
    return status;
  }
  if (not_rewritten > 0) {
    std::cerr << "exidx: " << not_rewritten
              << " items were not rewritten (named above): queries other than by agent or status alone miss them\n";
    return 1;
  }
  return 0;
}

namespace {

void AddMigrateOptions(CLI::App& command, MigrateSettings& settings) {
  command.add_option("--segments", settings.segments, "Parallel Scan segments (one thread each)")
      ->capture_default_str()
      ->check(CLI::Range(1, kMaxMigrationSegments));
  command
      .add_option("--writes-in-flight", settings.writes_in_flight,
                  "Conditional UpdateItems in flight at once, shared out over the segments (at least one each)")
      ->capture_default_str()
      ->check(CLI::Range(1, 1024));
  command.add_option("--page-size", settings.page_size, "Items per Scan page (0: DynamoDB's 1 MB pages)")
      ->capture_default_str()
      ->check(CLI::Range(0, 1'000'000));
  command.add_flag("--resume", settings.resume,
                   "Continue each segment after its checkpoint (a run with the same --segments that stopped)");
}

}  // namespace

void AddMigrateCommand(CLI::App& app, int& exit_status) {
  auto options = std::make_shared<MigrateCommandOptions>();
  CLI::App* command = app.add_subcommand(
      "migrate",
      "Rewrite the items of a DynamoDB table written without the index attributes (by the first design) so that "
      "every index serves them: a parallel Scan whose rewrites are conditioned on the item being as scanned, so "
      "a write in between is never overwritten. Resumable (--resume); progress on standard error, the counts as "
      "JSON on standard output. Exit status 0 when every scanned item is served, 1 when the run stopped early or "
      "left items it could not rewrite (named on standard error), 2 for bad usage.");
  command->add_option("--store", options->store.store, "dynamodb://TABLE")->required()->envname("EXIDX_STORE");
  AddMigrateOptions(*command, options->settings);
  command->add_flag("--dry-run", options->settings.dry_run,
                    "Scan and count what would be rewritten (as `rewritten`); write nothing, not even checkpoints");
  command->callback([options, &exit_status] {
    auto table = DynamoDbTableOf(options->store);
    exit_status = table ? RunMigrate(*table, options->settings) : ReportError(table.error());
  });
}

}  // namespace exidx::cli
