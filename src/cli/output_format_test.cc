// The table and CSV of `exidx query` with hostile values: formulas, ESC
// sequences, newlines, quotes, commas and UTF-8.
#include "cli/output_format.h"

#include <gtest/gtest.h>

#include <sstream>

namespace exidx::cli {
namespace {

constexpr EpochMillis kStart = 1'759'140'000'123;  // 2025-09-29T10:00:00.123Z

ExecutionRecord Finished(std::string name, std::string error, std::string cause) {
  return ExecutionRecord{.execution_arn = "arn:aws:states:us-west-2:1:execution:m:" + name,
                         .agent_name = "sql-agent",
                         .state_machine_arn = "arn:aws:states:us-west-2:1:stateMachine:m",
                         .execution_name = std::move(name),
                         .status = ExecutionStatus::kFailed,
                         .start_date = kStart,
                         .stop_date = kStart + 10'274,
                         .redrive_count = 2,
                         .error = std::move(error),
                         .cause = std::move(cause),
                         .indexed_at = kStart + 10'300};
}

ExecutionRecord Running(std::string name) {
  return ExecutionRecord{.execution_arn = "arn:e:" + name,
                         .agent_name = "a",
                         .state_machine_arn = "arn:m",
                         .execution_name = std::move(name),
                         .status = ExecutionStatus::kRunning,
                         .start_date = kStart,
                         .indexed_at = kStart};
}

std::string Csv(std::vector<ExecutionRecord> records) {
  std::ostringstream out;
  PrintCsv(ExecutionPage{.executions = std::move(records), .next_token = std::nullopt}, out);
  return out.str();
}

std::string Table(std::vector<ExecutionRecord> records, std::optional<std::string> token = std::nullopt) {
  std::ostringstream out;
  PrintTable(ExecutionPage{.executions = std::move(records), .next_token = std::move(token)}, out);
  return out.str();
}

std::vector<std::string> Lines(const std::string& text, std::string_view end) {
  std::vector<std::string> lines;
  std::size_t pos = 0;
  for (std::size_t next; (next = text.find(end, pos)) != std::string::npos; pos = next + end.size()) {
    lines.push_back(text.substr(pos, next - pos));
  }
  EXPECT_EQ(pos, text.size()) << "the last line ends too";
  return lines;
}

TEST(CsvTest, EveryFieldOfTheResponseWithDurationInSeconds) {
  const auto lines = Lines(Csv({Finished("n1", "States.Timeout", "took too long"), Running("n2")}), "\r\n");
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0],
            "executionArn,name,agentName,stateMachineArn,status,startDate,stopDate,durationSeconds,indexedAt,error,"
            "cause,redriveCount");
  EXPECT_EQ(lines[1],
            "arn:aws:states:us-west-2:1:execution:m:n1,n1,sql-agent,arn:aws:states:us-west-2:1:stateMachine:m,FAILED,"
            "2025-09-29T10:00:00.123Z,2025-09-29T10:00:10.397Z,10.274,2025-09-29T10:00:10.423Z,States.Timeout,"
            "took too long,2");
  EXPECT_EQ(lines[2], "arn:e:n2,n2,a,arn:m,RUNNING,2025-09-29T10:00:00.123Z,,,2025-09-29T10:00:00.123Z,,,0");
}

TEST(CsvTest, QuotesCommasAndLineBreaksAreQuotedAsRfc4180Says) {
  const std::string csv = Csv({Finished("n", "a,b", "said \"no\"\r\nthen\nstopped")});
  EXPECT_NE(csv.find(",\"a,b\",\"said \"\"no\"\"\r\nthen\nstopped\",2\r\n"), std::string::npos) << csv;
}

TEST(CsvTest, FormulasAreWrittenAsText) {
  for (const std::string& hostile : {std::string("=cmd|' /C calc'!A0"), std::string("-1+1"), std::string("+1"),
                                     std::string("@SUM(A1)"), std::string("\tx"), std::string("\rx")}) {
    const std::string csv = Csv({Finished("n", hostile, "c")});
    const std::string row = csv.substr(csv.find("\r\n") + 2);
    const std::string expected_cell =
        hostile.front() == '\r' ? "\"'" + hostile + "\"" : "'" + hostile;  // A CR also needs quotes.
    EXPECT_NE(row.find("," + expected_cell + ",c,2\r\n"), std::string::npos) << row;
    EXPECT_EQ(row.find("," + hostile), std::string::npos) << row;
  }
  // Only a leading character counts, and UTF-8 passes as it is.
  const std::string csv = Csv({Finished("réseau-Ω", "a=b", "x-y")});
  EXPECT_NE(csv.find(",réseau-Ω,"), std::string::npos) << csv;
  EXPECT_NE(csv.find(",a=b,x-y,2\r\n"), std::string::npos) << csv;
}

TEST(TableTest, ControlCharactersAreShownNotSentAndEachRowIsOneLine) {
  const std::string esc_title = "\x1b]0;owned\x07";
  const std::string csi =
      "\xc2\x9b"
      "31m";
  const std::string table = Table(
      {Finished("n\x1b[2Jx", esc_title + "line1\nline2\r\t" + csi + "\x7f\xff", "c"), Finished("Ω-name", "Err9", "c")});
  const auto lines = Lines(table, "\n");
  ASSERT_EQ(lines.size(), 4u) << table;
  EXPECT_NE(lines[1].find("n\\x1b[2Jx"), std::string::npos) << lines[1];
  EXPECT_NE(lines[1].find("\\x1b]0;owned\\x07line1\\nline2\\r\\t\\u009b31m\\x7f\\xff"), std::string::npos) << lines[1];
  for (const std::string& line : lines) {
    for (const char c : line) EXPECT_GE(static_cast<unsigned char>(c), 0x20) << line;
    EXPECT_EQ(line.find('\x7f'), std::string::npos);
    EXPECT_EQ(line.find("\xc2\x9b"), std::string::npos);
  }
  EXPECT_NE(lines[2].find("Ω-name"), std::string::npos) << "UTF-8 is kept";
  // Columns stay aligned by characters, not bytes: "error" starts at the same column in every row.
  const auto column_of = [](const std::string& line, std::string_view text) {
    const std::size_t at = line.find(text);
    std::size_t characters = 0;
    for (std::size_t i = 0; i < at; ++i) characters += (static_cast<unsigned char>(line[i]) & 0xc0) != 0x80;
    return characters;
  };
  EXPECT_EQ(column_of(lines[0], "error"), column_of(lines[2], "Err9")) << table;
  EXPECT_EQ(lines[3], "(2 executions)");
}

TEST(TableTest, TheSummaryCountsInGoodGrammar) {
  EXPECT_EQ(Lines(Table({}), "\n").back(), "(0 executions)");
  EXPECT_EQ(Lines(Table({Running("a")}), "\n").back(), "(1 execution)");
  const auto more = Lines(Table({Running("a")}, "TOKEN"), "\n");
  ASSERT_GE(more.size(), 2u);
  EXPECT_EQ(more[more.size() - 2], "(1 execution, more)");
  EXPECT_EQ(more.back(), "next page: --next-token TOKEN");
  EXPECT_EQ(Lines(Table({Running("a"), Running("b")}, "T"), "\n")[3], "(2 executions, more)");
  EXPECT_NE(Table({Finished("n", "E", "c")}).find("10.274s"), std::string::npos);
}

}  // namespace
}  // namespace exidx::cli
