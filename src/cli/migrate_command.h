// exidx migrate, also run by exidx init --migrate: gives the items of a
// DynamoDB table written without the index attributes (the first design's)
// those attributes, so that every index serves them (store/dynamodb/table_migration.h).
#pragma once

#include <string>

namespace exidx::cli {

struct MigrateSettings {
  int segments = 4;
  int writes_in_flight = 16;
  int page_size = 0;  // 0: DynamoDB's 1 MB pages.
  bool dry_run = false;
  bool resume = false;
};

// Migrates `table`: progress on standard error, the counts as one JSON object
// on standard output (also when it stops early). The exit status: 0 when
// every item the run scanned is served by every index (or, in a dry run,
// would be), 1 when the run stopped early (DynamoDB failed past the retries,
// SIGINT or SIGTERM: rerun with --resume) or left items it could not rewrite
// (named on standard error), 2 for bad settings.
int RunMigrate(const std::string& table, const MigrateSettings& settings);

}  // namespace exidx::cli
