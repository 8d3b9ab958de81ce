#include <fmt/format.h>

#include <iostream>
#include <memory>

#include "aws/sqs_client.h"
#include "cli/agent_options.h"
#include "cli/commands.h"
#include "cli/progress.h"
#include "cli/store_options.h"
#include "indexer/dead_letter_replay.h"

namespace exidx::cli {
namespace {

struct ReplayDlqOptions {
  StoreOptions store;
  AgentOptions agents;
  std::string queue_url;
  std::string invalid_queue_url;
  std::size_t max_messages = 0;  // 0: until drained.
  int visibility_timeout = 120;
  int wait_seconds = 0;
};

// Progress on standard error, and each invalid message named there.
class ReplayReporter final : public DeadLetterReplayObserver {
 public:
  ReplayReporter()
      : progress_(
            ProgressOptions{.command = "replay-dlq",
                            .counters = {"messages", "deleted", "indexed", "unchanged", "skipped", "invalid", "left"}},
            std::cerr, Progress::StderrIsTerminal()) {}

  void OnInvalidMessage(const aws::QueueMessage& message, const Error& error, bool moved) override {
    std::cerr << "exidx: message " << Quoted(message.message_id) << " is invalid: " << error.message
              << (moved ? " (moved to the invalid-message queue)" : " (left in the queue)") << '\n';
  }

  void OnBatchDone(const DeadLetterCounts& counts) override {
    progress_.Set("messages", counts.received);
    progress_.Set("deleted", counts.deleted);
    progress_.Set("indexed", counts.events.indexed);
    progress_.Set("unchanged", counts.events.unchanged);
    progress_.Set("skipped", counts.events.skipped);
    progress_.Set("invalid", counts.invalid);
    progress_.Set("left", counts.left_in_queue);
    progress_.Tick();
  }

  void Finish() { progress_.Finish(); }

 private:
  Progress progress_;
};

Result<std::unique_ptr<aws::SqsClient>> QueueClient(const std::shared_ptr<aws::AwsContext>& context,
                                                    const std::string& url, std::string_view option) {
  auto client = aws::SqsClient::ForQueue(context, url);
  if (!client && client.error().code == ErrorCode::kInvalidParameter) {
    return Fail(ErrorCode::kInvalidParameter, std::string(option) + ": " + client.error().message);
  }
  return client;
}

int RunReplayDlq(const ReplayDlqOptions& options) {
  const aws::Environment& env = aws::Environment::Process();
  auto context = aws::AwsContext::Default(env);
  auto queue = QueueClient(context, options.queue_url, "--queue-url");
  if (!queue) return ReportError(queue.error());
  std::unique_ptr<aws::SqsClient> invalid_queue;
  if (!options.invalid_queue_url.empty()) {
    auto client = QueueClient(context, options.invalid_queue_url, "--invalid-queue-url");
    if (!client) return ReportError(client.error());
    invalid_queue = std::move(*client);
  }
  SystemClock clock;
  auto agents = BuildAgentSetup(options.agents, clock);
  if (!agents) return ReportError(agents.error());
  auto store = OpenStore(options.store);
  if (!store) return ReportError(store.error());
  Indexer indexer(**store, *agents->resolver, clock);

  DeadLetterReplay replay(
      **queue, invalid_queue.get(), indexer,
      DeadLetterReplayOptions{
          .visibility_timeout = options.visibility_timeout,
          .wait_seconds = options.wait_seconds,
          .max_messages = options.max_messages == 0 ? std::nullopt : std::optional(options.max_messages)});
  ReplayReporter reporter;
  DeadLetterCounts counts;
  Status done = replay.Run(&counts, &reporter);
  reporter.Finish();
  std::cout << RenderDeadLetterCounts(counts) << '\n';
  if (!done) {
    std::cerr << "exidx: the replay stopped: " << done.error().message << '\n'
              << "exidx: " << counts.left_in_queue << " messages were not deleted: they come back after the "
              << "visibility timeout (" << options.visibility_timeout
              << " s); replaying again is safe (merging is idempotent)\n";
    return 1;
  }
  if (counts.invalid > counts.moved_to_invalid_queue) {
    std::cerr << "exidx: " << counts.invalid - counts.moved_to_invalid_queue
              << " invalid messages were left in the queue (named above); move them with --invalid-queue-url, "
              << "or fix and resend them\n";
    return 1;
  }
  return 0;
}

}  // namespace

void AddReplayDlqCommand(CLI::App& app, int& exit_status) {
  auto options = std::make_shared<ReplayDlqOptions>();
  CLI::App* command = app.add_subcommand(
      "replay-dlq",
      "Replay the index function's dead-letter queue (SQS) into the index: receive its messages 10 at a time, "
      "take the event from each (an EventBridge target's message is the event; a Lambda on-failure record "
      "carries it as requestPayload), apply them as ingest does (agent rule, tags, merge), and delete a "
      "message only once its event is durably applied. A message that fails to apply is not deleted: it comes "
      "back after the visibility timeout, and replaying again is safe. An invalid message is moved to "
      "--invalid-queue-url with an EXIDX_INVALID_REASON attribute, or, without it, named on standard error and "
      "left in the queue (exit 1). Stops when the queue is drained or after --max-messages. Prints the counts as "
      "JSON on standard output. The queue's region is its URL's (sqs.<region>.amazonaws.com) unless "
      "AWS_ENDPOINT_URL_SQS or AWS_ENDPOINT_URL point elsewhere.");
  command->add_option("--queue-url", options->queue_url, "URL of the dead-letter queue")
      ->required()
      ->envname("EXIDX_REPLAY_QUEUE_URL");
  command
      ->add_option("--invalid-queue-url", options->invalid_queue_url,
                   "Queue that receives the invalid messages (then deleted from the dead-letter queue)")
      ->envname("EXIDX_REPLAY_INVALID_QUEUE_URL");
  command->add_option("--max-messages", options->max_messages, "Stop after receiving N messages (0: until drained)")
      ->capture_default_str()
      ->envname("EXIDX_REPLAY_MAX_MESSAGES");
  command
      ->add_option("--visibility-timeout", options->visibility_timeout,
                   "Seconds a received message stays hidden; a batch must be applied and deleted within it")
      ->check(CLI::Range(1, 43200))
      ->capture_default_str()
      ->envname("EXIDX_REPLAY_VISIBILITY_TIMEOUT");
  command->add_option("--wait-seconds", options->wait_seconds, "Long polling per receive, 0..20")
      ->check(CLI::Range(0, 20))
      ->capture_default_str()
      ->envname("EXIDX_REPLAY_WAIT_SECONDS");
  AddStoreOptions(*command, options->store, /*with_durability=*/true);
  AddAgentOptions(*command, options->agents);
  command->callback([options, &exit_status] { exit_status = RunReplayDlq(*options); });
}

}  // namespace exidx::cli
