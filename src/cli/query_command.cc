#include <chrono>
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "cli/output_format.h"
#include "cli/store_options.h"
#include "core/json_render.h"
#include "query/list_executions.h"

namespace exidx::cli {
namespace {

struct QueryOptions {
  StoreOptions store;
  std::string agent, status, from, to, limit, next_token, order;
  std::string format = "table";
};

std::optional<std::string> Given(const std::string& value) {
  return value.empty() ? std::nullopt : std::optional(value);
}

int RunQuery(const QueryOptions& options) {
  auto format = ParseOutputFormat(options.format);
  if (!format) return ReportError(format.error());
  auto store = OpenStore(options.store, StoreAccess::kReadOnly);
  if (!store) return ReportError(store.error());
  auto secret = (*store)->PageTokenSecret();
  if (!secret) return ReportError(secret.error());
  const PageTokenCodec tokens(std::move(*secret));

  const auto started = std::chrono::steady_clock::now();
  auto page = ListExecutions(**store, tokens,
                             QueryArguments{
                                 .agent_name = Given(options.agent),
                                 .status = Given(options.status),
                                 .start_date_from = Given(options.from),
                                 .start_date_to = Given(options.to),
                                 .max_results = Given(options.limit),
                                 .next_token = Given(options.next_token),
                                 .order = Given(options.order),
                             });
  if (!page) return ReportError(page.error());
  const auto fetch_millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
  switch (*format) {
    case OutputFormat::kJson: std::cout << RenderListResponse(*page, fetch_millis) << '\n'; break;
    case OutputFormat::kTable: PrintTable(*page, std::cout); break;
    case OutputFormat::kCsv:
      PrintCsv(*page, std::cout);
      if (page->next_token) std::cerr << "next page: --next-token " << *page->next_token << '\n';
      break;
  }
  std::cout.flush();
  return std::cout ? 0 : 1;
}

}  // namespace

void AddQueryCommand(CLI::App& app, int& exit_status) {
  auto options = std::make_shared<QueryOptions>();
  CLI::App* command = app.add_subcommand(
      "query", "List indexed executions, newest first, one page at a time (listExecutionsFromIndex)");
  AddStoreOptions(*command, options->store, /*with_durability=*/false);
  command->add_option("--agent", options->agent, "Only this agent (exact name)");
  command->add_option("--status", options->status,
                      "Only this status: RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED or PENDING_REDRIVE");
  command->add_option("--from", options->from,
                      "Earliest start, inclusive: RFC 3339 timestamp or YYYY-MM-DD (from 00:00:00.000Z)");
  command->add_option("--to", options->to,
                      "Latest start, inclusive: RFC 3339 timestamp or YYYY-MM-DD (to 23:59:59.999Z)");
  command->add_option("--limit", options->limit, "Page size, 1 to 1000 (default 50)");
  command->add_option("--next-token", options->next_token, "The token printed with the previous page");
  command->add_option("--order", options->order, "desc (newest first, default) or asc");
  command
      ->add_option("--format", options->format,
                   "json (the API's response, byte for byte), table (for a terminal: control characters shown as "
                   "\\n, \\x1b, ...) or csv (RFC 4180, every field of the response, durationSeconds in seconds; "
                   "a value starting with =, +, -, @, tab or CR gets a ' before it, so that a spreadsheet does not "
                   "run it as a formula)")
      ->capture_default_str();
  command->callback([options, &exit_status] { exit_status = RunQuery(*options); });
}

}  // namespace exidx::cli
