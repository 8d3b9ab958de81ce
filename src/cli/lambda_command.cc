// `exidx lambda`: the Lambda custom runtime (provided.al2023). The package's
// `bootstrap` starts it; it serves the index, list, reconcile or stream
// handler (chosen by _HANDLER or --handler) over the Runtime API at
// AWS_LAMBDA_RUNTIME_API.
// Everything expensive (store and table description, credentials, HTTP
// connections, the page token secret, the tag cache) is set up once per
// container, before the first invocation.
#include <chrono>
#include <memory>

#include "aws/appsync_client.h"
#include "aws/curl_http_client.h"
#include "aws/environment.h"
#include "cli/agent_options.h"
#include "cli/commands.h"
#include "cli/store_options.h"
#include "core/time.h"
#include "indexer/indexer.h"
#include "lambda/handlers.h"
#include "lambda/log_sink.h"
#include "lambda/runtime_client.h"
#include "lambda/runtime_loop.h"
#include "lambda/stream_handler.h"
#include "server/json_log.h"

namespace exidx::cli {
namespace {

struct LambdaOptions {
  StoreOptions store;
  bool store_given = false;
  AgentOptions agents;
  std::string handler;
  int deadline_margin_ms = 500;
  std::uint64_t max_invocations = 0;
  std::uint64_t reconcile_max_calls = 1000;
  std::string reconcile_older_than = "15m";
  std::string appsync_url;
};

// Standard error, one JSON object per line (lambda/log_sink.h), each naming
// the handler: CloudWatch Logs parses them, as it does the server's lines.
lambda::LogSink JsonLogSink(std::string handler) {
  return [handler = std::move(handler)](lambda::LogKind kind, const std::string& line) {
    if (kind == lambda::LogKind::kMetrics) {
      server::WriteLogObject(line);
      return;
    }
    const server::LogLevel level = kind == lambda::LogKind::kError     ? server::LogLevel::kError
                                   : kind == lambda::LogKind::kWarning ? server::LogLevel::kWarn
                                                                       : server::LogLevel::kInfo;
    server::LogLine(level, line).Str("handler", handler);
  };
}

// What one container keeps alive across invocations.
struct Function {
  std::unique_ptr<ExecutionStore> store;
  std::shared_ptr<aws::StepFunctionsRegions> step_functions;  // reconcile.
  AgentSetup agents;
  std::unique_ptr<Indexer> indexer;
  std::unique_ptr<lambda::ExecutionChangePublisher> publisher;  // stream.
  std::unique_ptr<lambda::InvocationHandler> handler;
};

// --store, else EXIDX_STORE, else the table of EXECUTION_INDEX_TABLE_NAME: a
// Lambda has no place for the embedded store's default directory.
Result<StoreOptions> LambdaStore(const LambdaOptions& options) {
  StoreOptions store = options.store;
  if (options.store_given) return store;
  if (aws::GetSetting(aws::Environment::Process(), "EXECUTION_INDEX_TABLE_NAME")) {
    store.store = "dynamodb://";
    return store;
  }
  return Fail(ErrorCode::kInvalidParameter, "no store: set EXECUTION_INDEX_TABLE_NAME or give --store");
}

// The stream handler needs no store: the stream's images are the records.
// Each publish and its retries end well within the invocation: 4 attempts of 5 s.
Result<Function> InitStreamFunction(const LambdaOptions& options) {
  if (options.appsync_url.empty()) {
    return Fail(ErrorCode::kInvalidParameter,
                "the stream handler publishes to AppSync: set EXIDX_APPSYNC_URL (or --appsync-url) to the API's "
                "GraphQL endpoint, https://<id>.appsync-api.<region>.amazonaws.com/graphql");
  }
  auto client = aws::AppSyncClient::Create(aws::AwsContext::Default(aws::Environment::Process()), options.appsync_url,
                                           aws::RetryPolicy{.timeout = std::chrono::seconds(5), .max_attempts = 4});
  if (!client) return std::unexpected(client.error());
  Function function;
  function.publisher = std::make_unique<lambda::AppSyncExecutionChangePublisher>(std::move(*client));
  function.handler = std::make_unique<lambda::StreamHandler>(*function.publisher, JsonLogSink(options.handler));
  return function;
}

Result<Function> InitFunction(const LambdaOptions& options, const Clock& clock) {
  if (options.handler == "stream") return InitStreamFunction(options);
  if (options.handler != "index" && options.handler != "list" && options.handler != "reconcile") {
    return Fail(ErrorCode::kInvalidParameter,
                "handler: expected index, list, reconcile or stream (--handler or "
                "_HANDLER), got " +
                    Quoted(options.handler));
  }
  auto store_options = LambdaStore(options);
  if (!store_options) return std::unexpected(store_options.error());
  auto older_than = ParseDurationMillis(options.reconcile_older_than);
  if (!older_than) {
    return Fail(ErrorCode::kInvalidParameter, "--reconcile-older-than: " + older_than.error().message);
  }
  Function function;
  if (options.handler == "reconcile") {
    // Each call and its retries end well within the margin a run keeps
    // before the invocation's deadline (kCallMargin): 4 attempts of 5 s.
    auto regions = aws::StepFunctionsRegions::Create(
        aws::AwsContext::Default(aws::Environment::Process()),
        aws::StepFunctionsRegionsOptions{.client = {.timeout = std::chrono::seconds(5), .max_attempts = 4},
                                         .limit_to_quotas = true});
    if (!regions) return std::unexpected(regions.error());
    function.step_functions = std::move(*regions);
  }
  auto store = OpenStore(*store_options);
  if (!store) return std::unexpected(store.error());
  function.store = std::move(*store);
  if (options.handler != "list") {
    auto agents = BuildAgentSetup(options.agents, clock, function.step_functions, function.store.get());
    if (!agents) return std::unexpected(agents.error());
    function.agents = std::move(*agents);
  }
  if (options.handler == "index") {
    function.indexer = std::make_unique<Indexer>(*function.store, *function.agents.resolver, clock);
    function.handler = std::make_unique<lambda::IndexHandler>(*function.indexer, function.agents.resolver.get(), &clock,
                                                              JsonLogSink(options.handler));
  } else if (options.handler == "reconcile") {
    function.handler = std::make_unique<lambda::ReconcileHandler>(
        *function.store, *function.agents.resolver, *function.step_functions, clock,
        ReconcileOptions{.older_than = std::chrono::milliseconds(*older_than),
                         .max_calls = options.reconcile_max_calls},
        JsonLogSink(options.handler));
  } else {
    auto secret = function.store->PageTokenSecret();
    if (!secret) return std::unexpected(secret.error());
    function.handler = std::make_unique<lambda::ListHandler>(*function.store, PageTokenCodec(std::move(*secret)));
  }
  return function;
}

int RunLambda(const LambdaOptions& options) {
  const auto api = aws::GetSetting(aws::Environment::Process(), "AWS_LAMBDA_RUNTIME_API");
  if (!api) {
    return ReportError({ErrorCode::kInvalidParameter,
                        "AWS_LAMBDA_RUNTIME_API is not set: `exidx lambda` runs inside AWS Lambda (or a Runtime "
                        "API emulator)"});
  }
  aws::CurlHttpClient http;
  lambda::RuntimeClient runtime(http, *api);
  SystemClock clock;

  const lambda::LogSink log = JsonLogSink(options.handler);
  const auto started = std::chrono::steady_clock::now();
  auto function = InitFunction(options, clock);
  if (!function) {
    log(lambda::LogKind::kError,
        "init failed: " + std::string(ErrorCodeName(function.error().code)) + ": " + function.error().message);
    auto reported = runtime.ReportInitError(function.error());
    if (!reported) log(lambda::LogKind::kError, "cannot report the init error: " + reported.error().message);
    return 1;
  }
  log(lambda::LogKind::kInfo, "handler " + options.handler + " ready in " +
                                  std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                                                     std::chrono::steady_clock::now() - started)
                                                     .count()) +
                                  " ms");

  lambda::RuntimeLoopOptions loop{.deadline_margin = std::chrono::milliseconds(options.deadline_margin_ms),
                                  .max_invocations = options.max_invocations,
                                  .log = log};
  auto served = lambda::RunRuntimeLoop(runtime, *function->handler, clock, loop);
  if (!served) {
    log(lambda::LogKind::kError, "runtime API: " + served.error().message);
    return 1;
  }
  return 0;
}

}  // namespace

void AddLambdaCommand(CLI::App& app, int& exit_status) {
  auto options = std::make_shared<LambdaOptions>();
  CLI::App* command = app.add_subcommand(
      "lambda",
      "Run as an AWS Lambda custom runtime (provided.al2023): serve the index handler (EventBridge events), "
      "the list handler (AppSync/Amplify listExecutionsFromIndex), the reconcile handler (a schedule) or the "
      "stream handler (the table's DynamoDB stream, each changed record published to AppSync as "
      "publishExecutionChange; answers ReportBatchItemFailures) over AWS_LAMBDA_RUNTIME_API. The store is "
      "--store, else the DynamoDB table named by EXECUTION_INDEX_TABLE_NAME (the stream handler uses none).");
  command->add_option("--handler", options->handler, "index, list, reconcile or stream")
      ->envname("_HANDLER")
      ->required();
  command
      ->add_option("--appsync-url", options->appsync_url,
                   "stream: the AppSync GraphQL endpoint to publish to, "
                   "https://<id>.appsync-api.<region>.amazonaws.com/graphql (signed for AWS_REGION)")
      ->envname("EXIDX_APPSYNC_URL");
  command
      ->add_option("--reconcile-max-calls", options->reconcile_max_calls,
                   "reconcile: Step Functions calls one invocation makes at most")
      ->capture_default_str()
      ->envname("EXIDX_RECONCILE_MAX_CALLS");
  command
      ->add_option("--reconcile-older-than", options->reconcile_older_than,
                   "reconcile: RUNNING records older than this (90s, 15m, 2h) are described again")
      ->capture_default_str()
      ->envname("EXIDX_RECONCILE_OLDER_THAN");
  AddStoreOptions(*command, options->store, /*with_durability=*/true);
  AddAgentOptions(*command, options->agents);
  command
      ->add_option("--deadline-margin-ms", options->deadline_margin_ms,
                   "Fail an invocation with Unavailable this long before its deadline rather than overrun it")
      ->capture_default_str()
      ->check(CLI::Range(0, 60'000));
  command
      ->add_option("--max-invocations", options->max_invocations,
                   "Exit after this many invocations (0: never; for tests and measurements)")
      ->capture_default_str();
  command->callback([options, command, &exit_status] {
    options->store_given = command->count("--store") > 0;
    exit_status = RunLambda(*options);
  });
}

}  // namespace exidx::cli
