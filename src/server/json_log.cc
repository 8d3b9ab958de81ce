#include "server/json_log.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <fmt/format.h>

#include <cmath>
#include <mutex>

#include "core/clock.h"
#include "core/json_writer.h"
#include "core/time.h"

namespace exidx::server {

struct LogLine::Fields {
  JsonWriter writer;
};

namespace {

std::shared_ptr<spdlog::logger>& Logger() {
  static std::shared_ptr<spdlog::logger> logger;
  return logger;
}

std::once_flag init_once;

void Init() {
  std::call_once(init_once, [] {
    auto logger = std::make_shared<spdlog::logger>("exidx", std::make_shared<spdlog::sinks::stderr_sink_mt>());
    logger->set_pattern("%v");
    logger->set_level(spdlog::level::debug);
    logger->flush_on(spdlog::level::debug);  // Lines must reach a pipe or file at once.
    Logger() = std::move(logger);
  });
}

spdlog::level::level_enum ToSpd(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug: return spdlog::level::debug;
    case LogLevel::kInfo: return spdlog::level::info;
    case LogLevel::kWarn: return spdlog::level::warn;
    case LogLevel::kError: return spdlog::level::err;
  }
  return spdlog::level::info;
}

std::string_view LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug: return "debug";
    case LogLevel::kInfo: return "info";
    case LogLevel::kWarn: return "warn";
    case LogLevel::kError: return "error";
  }
  return "info";
}

}  // namespace

void InitJsonLog() {
  Init();
}

void WriteLogObject(std::string_view json_object) {
  Init();
  Logger()->log(spdlog::level::info, "{}", json_object);
}

LogLine::LogLine(LogLevel level, std::string_view message) : level_(level), fields_(std::make_unique<Fields>()) {
  fields_->writer.BeginObject();
  Str("time", FormatTimestamp(SystemClock().NowMillis()));
  Str("level", LevelName(level));
  Str("msg", message);
}

LogLine::~LogLine() {
  Init();
  fields_->writer.EndObject();
  Logger()->log(ToSpd(level_), "{}", fields_->writer.Take());
}

LogLine& LogLine::Str(std::string_view key, std::string_view value) {
  fields_->writer.Key(key);
  fields_->writer.String(value);
  return *this;
}

LogLine& LogLine::Int(std::string_view key, std::int64_t value) {
  fields_->writer.Key(key);
  fields_->writer.Int(value);
  return *this;
}

LogLine& LogLine::Num(std::string_view key, double value) {
  fields_->writer.Key(key);
  if (std::isfinite(value)) {
    fields_->writer.Raw(fmt::format("{:.3f}", value));  // 0.559, not 5.59E-1.
  } else {
    fields_->writer.Null();
  }
  return *this;
}

}  // namespace exidx::server
