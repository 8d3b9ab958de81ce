#include "cli/output_format.h"

#include <fmt/format.h>

#include <array>
#include <vector>

#include "core/json_writer.h"

namespace exidx::cli {
namespace {

std::string Duration(const ExecutionRecord& record) {
  if (!record.stop_date) return "";
  JsonWriter w;  // Seconds with millisecond precision, no trailing zeros.
  w.MillisAsSeconds(*record.stop_date - record.start_date);
  return w.Take() + "s";
}

std::string CsvField(std::string_view text) {
  if (text.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(text);
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

constexpr std::array<std::string_view, 7> kColumns = {"startDate", "agentName", "status",      "duration",
                                                      "name",      "error",     "executionArn"};

std::array<std::string, kColumns.size()> Row(const ExecutionRecord& r) {
  return {
      FormatTimestamp(r.start_date), r.agent_name,   std::string(StatusName(r.status)), Duration(r), r.execution_name,
      r.error.value_or(""),          r.execution_arn};
}

}  // namespace

Result<OutputFormat> ParseOutputFormat(std::string_view name) {
  if (name == "json") return OutputFormat::kJson;
  if (name == "table") return OutputFormat::kTable;
  if (name == "csv") return OutputFormat::kCsv;
  return Fail(ErrorCode::kInvalidParameter, "--format: expected json, table or csv, got " + Quoted(name));
}

void PrintTable(const ExecutionPage& page, std::ostream& out) {
  // The table leaves out the ARN (long, and in the JSON) to stay readable.
  constexpr std::size_t kShown = kColumns.size() - 1;
  std::vector<std::array<std::string, kColumns.size()>> rows;
  rows.reserve(page.executions.size());
  std::array<std::size_t, kColumns.size()> width{};
  for (std::size_t c = 0; c < kShown; ++c) width[c] = kColumns[c].size();
  for (const ExecutionRecord& record : page.executions) {
    rows.push_back(Row(record));
    for (std::size_t c = 0; c < kShown; ++c) width[c] = std::max(width[c], rows.back()[c].size());
  }
  auto print_row = [&](auto cell) {
    std::string line;
    for (std::size_t c = 0; c < kShown; ++c) {
      line += fmt::format("{:<{}}", cell(c), c + 1 == kShown ? 0 : width[c] + 2);
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out << line << '\n';
  };
  print_row([&](std::size_t c) { return std::string(kColumns[c]); });
  for (const auto& row : rows) print_row([&](std::size_t c) { return row[c]; });
  out << fmt::format("({} executions{})\n", rows.size(), page.next_token ? ", more" : "");
  if (page.next_token) out << "next page: --next-token " << *page.next_token << '\n';
}

void PrintCsv(const ExecutionPage& page, std::ostream& out) {
  std::string header;
  for (std::string_view column : kColumns) header += (header.empty() ? "" : ",") + std::string(column);
  out << header << "\r\n";
  for (const ExecutionRecord& record : page.executions) {
    std::string line;
    for (const std::string& cell : Row(record)) line += (line.empty() ? "" : ",") + CsvField(cell);
    out << line << "\r\n";
  }
}

}  // namespace exidx::cli
