// StepFunctionsClient (src/aws/sfn_client.h) reading Step Functions' answers:
// the client runs over a JsonClient whose HTTP answer is the input after its
// first byte, which picks the operation (ListTagsForResource,
// ListStateMachines, ListExecutions, DescribeExecution). Properties: an
// answer that is accepted holds executions whose dates are within the
// timestamp range (they format and read back), with stopDate, when present,
// in range too, and redriveCount not negative; a rejection is kInternal.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "aws/sfn_client.h"
#include "fuzz_check.h"
#include "record_checks.h"
#include "support/scripted_aws.h"

namespace exidx::fuzz {
namespace {

using testing::OperationOf;
using testing::ScriptedJsonClient;

std::string answer;

aws::StepFunctionsClient& Client() {
  static aws::StepFunctionsClient client(ScriptedJsonClient(
      aws::AwsService::kStepFunctions, "AWSStepFunctions",
      [](const aws::HttpRequest&) { return aws::HttpResponse{.status = 200, .headers = {}, .body = answer}; }));
  return client;
}

void CheckExecution(const aws::ExecutionSummary& execution) {
  FUZZ_CHECK(InTimestampRange(execution.start_date));
  CheckTimestampRoundTrip(execution.start_date);
  if (execution.stop_date) {
    FUZZ_CHECK(InTimestampRange(*execution.stop_date));
    CheckTimestampRoundTrip(*execution.stop_date);
  }
  FUZZ_CHECK(!execution.redrive_count || *execution.redrive_count >= 0);
}

template <class T>
void CheckRejection(const Result<T>& result) {
  if (!result) FUZZ_CHECK(result.error().code == ErrorCode::kInternal);
}

}  // namespace
}  // namespace exidx::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace exidx::fuzz;
  if (size == 0) return 0;
  answer.assign(reinterpret_cast<const char*>(data) + 1, size - 1);
  auto& client = Client();
  switch (data[0] % 4) {
    case 0: {
      auto tags = client.ListTagsForResource("arn:aws:states:us-east-1:1:stateMachine:m");
      CheckRejection(tags);
      break;
    }
    case 1: {
      auto page = client.ListStateMachines(std::nullopt);
      CheckRejection(page);
      break;
    }
    case 2: {
      auto page = client.ListExecutions("arn:aws:states:us-east-1:1:stateMachine:m", std::nullopt, std::nullopt);
      CheckRejection(page);
      if (page) {
        for (const auto& execution : page->items) CheckExecution(execution);
      }
      break;
    }
    default: {
      auto described = client.DescribeExecution("arn:aws:states:us-east-1:1:execution:m:e");
      CheckRejection(described);
      if (described) CheckExecution(described->summary);
      break;
    }
  }
  return 0;
}
