// JSON-lines logs (one object per line on standard error), CloudWatch-style:
//   {"time":"2025-09-29T10:00:00.123Z","level":"info","msg":"listening","port":8080}
// Never put keys, Authorization headers or request bodies in a LogLine.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace exidx::server {

enum class LogLevel { kDebug, kInfo, kWarn, kError };

// Sends log lines to standard error through spdlog. Idempotent; LogLine works
// without it too (it initialises on first use).
void InitJsonLog();

// Writes `json_object`, one JSON object without a newline (e.g. a line in
// CloudWatch's embedded metric format), as one line of its own, in order
// with the LogLines.
void WriteLogObject(std::string_view json_object);

// Builds one line; writes it when destroyed:
//   LogLine(LogLevel::kInfo, "request").Str("method", "GET").Int("status", 200);
class LogLine {
 public:
  LogLine(LogLevel level, std::string_view message);
  ~LogLine();
  LogLine(const LogLine&) = delete;
  LogLine& operator=(const LogLine&) = delete;

  LogLine& Str(std::string_view key, std::string_view value);
  LogLine& Int(std::string_view key, std::int64_t value);
  LogLine& Num(std::string_view key, double value);

 private:
  struct Fields;
  LogLevel level_;
  std::unique_ptr<Fields> fields_;
};

}  // namespace exidx::server
