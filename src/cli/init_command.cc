// exidx init: creates (or completes) the DynamoDB table of a dynamodb://TABLE
// store, and with --migrate then migrates its items (migrate_command.h). The
// embedded store needs no init: it is created on first open.
#include <chrono>
#include <iostream>
#include <thread>

#include "aws/environment.h"
#include "aws/json_client.h"
#include "cli/commands.h"
#include "cli/migrate_command.h"
#include "cli/store_options.h"
#include "store/dynamodb/dynamodb_store.h"

namespace exidx::cli {
namespace {

struct InitOptions {
  StoreOptions store;
  bool seed_indexes_only = false;
  bool migrate = false;
  // How long to wait, after adding StatsIndex to an existing table, before
  // counting its records (see kLayoutRefresh).
  int statistics_wait_seconds = static_cast<int>(kLayoutRefresh.count()) + 5;
};

int RunInit(const InitOptions& options) {
  constexpr std::string_view kScheme = "dynamodb://";
  if (!options.store.store.starts_with(kScheme)) {
    return ReportError(Error{ErrorCode::kInvalidParameter,
                             "init: --store must be dynamodb://TABLE (the embedded store creates itself)"});
  }
  const aws::Environment& env = aws::Environment::Process();
  auto named = DynamoDbTableOf(options.store);
  if (!named) return ReportError(named.error());
  const std::string& table = *named;
  auto client = aws::JsonClient::Create(aws::AwsContext::Default(env), aws::AwsService::kDynamoDb, "DynamoDB_20120810");
  if (!client) return ReportError(client.error());
  auto created = DynamoDbStore::CreateTable(
      **client, table, options.seed_indexes_only ? TableLayout::kSeedOnly : TableLayout::kFull,
      [](const std::string& line) { std::cerr << "exidx init: " << line << '\n'; });
  if (!created) return ReportError(created.error());
  // The page token secret item, unless tokens are signed with a configured one.
  auto store = DynamoDbStore::Open(std::move(*client), DynamoDbStoreOptions{.table_name = table});
  if (!store) return ReportError(store.error());
  if (!GetSetting(env, "EXIDX_TOKEN_SECRET")) {
    auto secret = (*store)->PageTokenSecret();
    if (!secret) return ReportError(secret.error());
  }
  if (options.migrate) {
    // The counts are then standard output's only line, as for exidx migrate.
    std::cerr << "exidx init: table " << table << " is ready; migrating its items\n";
    if (const int migrated = RunMigrate(table, MigrateSettings{}); migrated != 0) return migrated;
  }
  if ((*store)->keeps_statistics()) {
    if (created->added_statistics) {
      // Processes that opened the table before keep no statistics until they
      // look again: counting before then could race one of them.
      std::cerr << "exidx init: waiting " << options.statistics_wait_seconds
                << " s for running servers to start keeping the statistics\n";
      std::this_thread::sleep_for(std::chrono::seconds(options.statistics_wait_seconds));
    }
    auto counted = DynamoDbStore::CountExisting(
        (*store)->client(), table, [](const std::string& line) { std::cerr << "exidx init: " << line << '\n'; });
    if (!counted) return ReportError(counted.error());
    std::cerr << "exidx init: " << *counted << " records counted in the statistics\n";
  }
  if (options.migrate) return 0;
  std::cout << "table " << table << " is ready" << ((*store)->has_full_layout() ? "" : " (seed indexes only)") << '\n';
  return 0;
}

}  // namespace

void AddInitCommand(CLI::App& app, int& exit_status) {
  auto options = std::make_shared<InitOptions>();
  CLI::App* command =
      app.add_subcommand("init",
                         "Create the DynamoDB table of --store dynamodb://TABLE (PAY_PER_REQUEST, indexes, stream, "
                         "point-in-time recovery, TTL on `ttl`), or add what an existing table lacks");
  command->add_option("--store", options->store.store, "dynamodb://TABLE")->required()->envname("EXIDX_STORE");
  command->add_flag("--seed-indexes-only", options->seed_indexes_only,
                    "Create only AgentDateIndex and StatusDateIndex, as the seed deployment did");
  command->add_flag("--migrate", options->migrate,
                    "Then run exidx migrate (default settings): give the items written without the index "
                    "attributes (by the first design) those attributes, so that every index serves them");
  command
      ->add_option("--statistics-wait", options->statistics_wait_seconds,
                   "Seconds to wait, after adding the statistics index to an existing table, before counting its "
                   "records: servers that have the table open start keeping the statistics within a minute, and "
                   "counting before then could race them (0 when none has it open)")
      ->check(CLI::Range(0, 3600))
      ->envname("EXIDX_STATISTICS_WAIT")
      ->capture_default_str();
  command->callback([options, &exit_status] { exit_status = RunInit(*options); });
}

}  // namespace exidx::cli
