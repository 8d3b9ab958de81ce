#include "store/rocksdb/info_log.h"

#include <rocksdb/env.h>

#include <cstdarg>
#include <cstdio>
#include <string>

namespace exidx {
namespace {

std::string_view LevelName(rocksdb::InfoLogLevel level) {
  switch (level) {
    case rocksdb::InfoLogLevel::WARN_LEVEL: return "WARN";
    case rocksdb::InfoLogLevel::ERROR_LEVEL: return "ERROR";
    case rocksdb::InfoLogLevel::FATAL_LEVEL: return "FATAL";
    default: return "INFO";
  }
}

class DiagnosticsLogger final : public rocksdb::Logger {
 public:
  explicit DiagnosticsLogger(DiagnosticsSink sink)
      : rocksdb::Logger(rocksdb::InfoLogLevel::WARN_LEVEL), sink_(std::move(sink)) {}

  // Header lines (options and versions at open) are informational.
  void LogHeader(const char*, va_list) override {}
  void Logv(const char*, va_list) override {}

  void Logv(const rocksdb::InfoLogLevel level, const char* format, va_list ap) override {
    if (level < GetInfoLogLevel() || level == rocksdb::InfoLogLevel::HEADER_LEVEL) return;
    char buffer[1024];
    va_list copy;
    va_copy(copy, ap);
    const int length = std::vsnprintf(buffer, sizeof buffer, format, copy);
    va_end(copy);
    if (length < 0) return;
    std::string line = "[" + std::string(LevelName(level)) + "] ";
    line.append(buffer, std::min<std::size_t>(static_cast<std::size_t>(length), sizeof buffer - 1));
    if (sink_) {
      sink_(line);
    } else {
      std::fprintf(stderr, "rocksdb: %s\n", line.c_str());
    }
  }

 private:
  const DiagnosticsSink sink_;
};

}  // namespace

std::shared_ptr<rocksdb::Logger> NewDiagnosticsLogger(DiagnosticsSink sink) {
  return std::make_shared<DiagnosticsLogger>(std::move(sink));
}

}  // namespace exidx
