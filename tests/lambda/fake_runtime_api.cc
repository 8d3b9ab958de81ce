#include "lambda/fake_runtime_api.h"

#include <chrono>

namespace exidx::lambda::testing {
namespace {

constexpr std::string_view kPrefix = "/2018-06-01/runtime";

std::int64_t NowMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

FakeRuntimeApi::FakeRuntimeApi()
    : server_(std::make_unique<aws::testing::LoopbackHttpServer>(
          [this](const aws::testing::RecordedRequest& request) { return Handle(request); })) {}

FakeRuntimeApi::~FakeRuntimeApi() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  changed_.notify_all();
  server_.reset();
}

std::string FakeRuntimeApi::address() const {
  return "127.0.0.1:" + std::to_string(server_->port());
}

std::string FakeRuntimeApi::Enqueue(QueuedInvocation invocation) {
  std::lock_guard lock(mu_);
  std::string id = "8476a536-e9f4-11e8-9739-" + std::to_string(100000000000 + queued_ids_.size());
  queued_ids_.push_back(id);
  queue_.push_back(std::move(invocation));
  changed_.notify_all();
  return id;
}

std::vector<PostedResult> FakeRuntimeApi::WaitForResults(std::size_t count, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  changed_.wait_for(lock, timeout, [&] { return results_.size() >= count; });
  return results_;
}

std::optional<PostedResult> FakeRuntimeApi::init_error() const {
  std::lock_guard lock(mu_);
  return init_error_;
}

int FakeRuntimeApi::next_calls() const {
  std::lock_guard lock(mu_);
  return next_calls_;
}

aws::testing::CannedResponse FakeRuntimeApi::Handle(const aws::testing::RecordedRequest& request) {
  std::unique_lock lock(mu_);
  std::string_view target = request.target;
  if (!target.starts_with(kPrefix)) return {.status = 404, .body = R"({"errorType":"NotFound"})"};
  target.remove_prefix(kPrefix.size());

  if (request.method == "GET" && target == "/invocation/next") {
    ++next_calls_;
    changed_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (stopping_) return {.status = 500, .body = R"({"errorType":"ServiceShuttingDown"})"};
    QueuedInvocation invocation = std::move(queue_.front());
    queue_.pop_front();
    const std::string id = queued_ids_[handed_out_++];
    const std::int64_t deadline = invocation.deadline.value_or(NowMillis() + 60'000);
    return {.status = 200,
            .headers = {{"Content-Type", "application/json"},
                        {"Lambda-Runtime-Aws-Request-Id", id},
                        {"Lambda-Runtime-Deadline-Ms", std::to_string(deadline)},
                        {"Lambda-Runtime-Trace-Id", invocation.trace_id},
                        {"Lambda-Runtime-Invoked-Function-Arn",
                         "arn:aws:lambda:us-east-1:123456789012:function:exidx-test"}},
            .body = std::move(invocation.payload)};
  }
  const auto error_type = aws::HeaderValue(request.headers, "Lambda-Runtime-Function-Error-Type");
  if (request.method == "POST" && target == "/init/error") {
    init_error_ =
        PostedResult{.is_error = true, .body = request.body, .error_type_header = std::string(error_type.value_or(""))};
    changed_.notify_all();
    return {.status = 202, .body = R"({"status":"OK"})"};
  }
  constexpr std::string_view kInvocation = "/invocation/";
  if (request.method == "POST" && target.starts_with(kInvocation)) {
    std::string_view rest = target.substr(kInvocation.size());
    const std::size_t slash = rest.find('/');
    const std::string id(rest.substr(0, slash));
    const std::string_view kind = slash == std::string_view::npos ? "" : rest.substr(slash + 1);
    bool known = false;
    for (std::size_t i = 0; i < handed_out_; ++i) known = known || queued_ids_[i] == id;
    if (!known || (kind != "response" && kind != "error")) {
      return {.status = 400, .body = R"({"errorType":"InvalidRequestID"})"};
    }
    results_.push_back(PostedResult{.request_id = id,
                                    .is_error = kind == "error",
                                    .body = request.body,
                                    .error_type_header = std::string(error_type.value_or(""))});
    changed_.notify_all();
    return {.status = 202, .body = R"({"status":"OK"})"};
  }
  return {.status = 404, .body = R"({"errorType":"NotFound"})"};
}

}  // namespace exidx::lambda::testing
