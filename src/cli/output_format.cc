#include "cli/output_format.h"

#include <fmt/format.h>

#include <array>
#include <vector>

#include "core/json_writer.h"
#include "core/utf8.h"

namespace exidx::cli {
namespace {

// Seconds with millisecond precision and no trailing zeros, as the JSON has them.
std::string Seconds(const ExecutionRecord& record) {
  if (!record.stop_date) return "";
  JsonWriter w;
  w.MillisAsSeconds(*record.stop_date - record.start_date);
  return w.Take();
}

// `text` with every control character and every byte outside UTF-8 written
// visibly, so that it is one line and sends the terminal no command.
std::string TerminalText(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t length = Utf8SequenceLength(text, pos);
    const auto byte = static_cast<unsigned char>(text[pos]);
    if (length == 0) {
      out += fmt::format("\\x{:02x}", byte);
      ++pos;
      continue;
    }
    if (length == 1 && (byte < 0x20 || byte == 0x7f)) {
      switch (byte) {
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default: out += fmt::format("\\x{:02x}", byte);
      }
    } else if (length == 2 && byte == 0xc2 && static_cast<unsigned char>(text[pos + 1]) < 0xa0) {
      // U+0080..U+009F, the C1 controls: CSI (U+009B) starts a sequence as ESC [ does.
      out += fmt::format("\\u{:04x}", static_cast<unsigned char>(text[pos + 1]));
    } else {
      out.append(text.substr(pos, length));
    }
    pos += length;
  }
  return out;
}

// The columns a terminal shows of valid UTF-8 (one per code point; wide
// characters count as one).
std::size_t DisplayWidth(std::string_view text) {
  std::size_t width = 0;
  for (char c : text) width += (static_cast<unsigned char>(c) & 0xc0) != 0x80;
  return width;
}

bool StartsLikeAFormula(std::string_view text) {
  return !text.empty() && std::string_view("=+-@\t\r").find(text.front()) != std::string_view::npos;
}

std::string CsvCell(std::string_view text) {
  std::string value = StartsLikeAFormula(text) ? "'" + std::string(text) : std::string(text);
  if (value.find_first_of(",\"\r\n") == std::string::npos) return value;
  std::string out = "\"";
  for (char c : value) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

constexpr std::array<std::string_view, 6> kTableColumns = {"startDate", "agentName", "status",
                                                           "duration",  "name",      "error"};

std::array<std::string, kTableColumns.size()> TableRow(const ExecutionRecord& r) {
  const std::string seconds = Seconds(r);
  return {
      TerminalText(FormatTimestamp(r.start_date)), TerminalText(r.agent_name),     std::string(StatusName(r.status)),
      seconds.empty() ? "" : seconds + "s",        TerminalText(r.execution_name), TerminalText(r.error.value_or(""))};
}

constexpr std::array<std::string_view, 12> kCsvColumns = {"executionArn", "name",      "agentName", "stateMachineArn",
                                                          "status",       "startDate", "stopDate",  "durationSeconds",
                                                          "indexedAt",    "error",     "cause",     "redriveCount"};

std::array<std::string, kCsvColumns.size()> CsvRow(const ExecutionRecord& r) {
  return {r.execution_arn,
          r.execution_name,
          r.agent_name,
          r.state_machine_arn,
          std::string(StatusName(r.status)),
          FormatTimestamp(r.start_date),
          r.stop_date ? FormatTimestamp(*r.stop_date) : "",
          Seconds(r),
          FormatTimestamp(r.indexed_at),
          r.error.value_or(""),
          r.cause.value_or(""),
          std::to_string(r.redrive_count)};
}

}  // namespace

Result<OutputFormat> ParseOutputFormat(std::string_view name) {
  if (name == "json") return OutputFormat::kJson;
  if (name == "table") return OutputFormat::kTable;
  if (name == "csv") return OutputFormat::kCsv;
  return Fail(ErrorCode::kInvalidParameter, "--format: expected json, table or csv, got " + Quoted(name));
}

void PrintTable(const ExecutionPage& page, std::ostream& out) {
  std::vector<std::array<std::string, kTableColumns.size()>> rows;
  rows.reserve(page.executions.size());
  std::array<std::size_t, kTableColumns.size()> width{};
  for (std::size_t c = 0; c < kTableColumns.size(); ++c) width[c] = kTableColumns[c].size();
  for (const ExecutionRecord& record : page.executions) {
    rows.push_back(TableRow(record));
    for (std::size_t c = 0; c < kTableColumns.size(); ++c) {
      width[c] = std::max(width[c], DisplayWidth(rows.back()[c]));
    }
  }
  auto print_row = [&](auto cell) {
    std::string line;
    for (std::size_t c = 0; c < kTableColumns.size(); ++c) {
      const std::string text(cell(c));
      line += text;
      if (c + 1 < kTableColumns.size()) line.append(width[c] + 2 - DisplayWidth(text), ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out << line << '\n';
  };
  print_row([&](std::size_t c) { return kTableColumns[c]; });
  for (const auto& row : rows) print_row([&](std::size_t c) { return std::string_view(row[c]); });
  out << fmt::format("({} execution{}{})\n", rows.size(), rows.size() == 1 ? "" : "s", page.next_token ? ", more" : "");
  if (page.next_token) out << "next page: --next-token " << *page.next_token << '\n';
}

void PrintCsv(const ExecutionPage& page, std::ostream& out) {
  std::string header;
  for (std::string_view column : kCsvColumns) header += (header.empty() ? "" : ",") + std::string(column);
  out << header << "\r\n";
  for (const ExecutionRecord& record : page.executions) {
    std::string line;
    bool first = true;
    for (const std::string& cell : CsvRow(record)) {
      if (!first) line += ',';
      first = false;
      line += CsvCell(cell);
    }
    out << line << "\r\n";
  }
}

}  // namespace exidx::cli
