// exidx init: creates (or completes) the DynamoDB table of a dynamodb://TABLE
// store. The embedded store needs no init: it is created on first open.
#include <iostream>

#include "aws/environment.h"
#include "aws/json_client.h"
#include "cli/commands.h"
#include "cli/store_options.h"
#include "store/dynamodb/dynamodb_store.h"

namespace exidx::cli {
namespace {

struct InitOptions {
  StoreOptions store;
  bool seed_indexes_only = false;
};

int RunInit(const InitOptions& options) {
  constexpr std::string_view kScheme = "dynamodb://";
  if (!options.store.store.starts_with(kScheme)) {
    return ReportError(Error{ErrorCode::kInvalidParameter,
                             "init: --store must be dynamodb://TABLE (the embedded store creates itself)"});
  }
  const aws::Environment& env = aws::Environment::Process();
  std::string table = options.store.store.substr(kScheme.size());
  if (table.empty()) table = aws::GetSetting(env, "EXECUTION_INDEX_TABLE_NAME").value_or("");
  if (table.empty()) {
    return ReportError(
        Error{ErrorCode::kInvalidParameter, "init: no table name, and EXECUTION_INDEX_TABLE_NAME is unset"});
  }
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
  command->callback([options, &exit_status] { exit_status = RunInit(*options); });
}

}  // namespace exidx::cli
