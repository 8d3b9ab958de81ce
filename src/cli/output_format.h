// How `exidx query` prints a page for people and spreadsheets (`--format
// json` is the API's response itself, core/json_render.h).
#pragma once

#include <optional>
#include <ostream>
#include <string>

#include "core/error.h"
#include "core/query.h"

namespace exidx::cli {

enum class OutputFormat { kJson, kTable, kCsv };

Result<OutputFormat> ParseOutputFormat(std::string_view name);

// An aligned table for a terminal, newest first as given, then a summary
// line ("(1 execution, more)", "(0 executions)", "(2 executions)") and, when
// there is a next page, its token. The ARN, state machine and cause are left
// out (in the JSON and CSV). One line per row whatever the values hold:
// control characters (C0, DEL, C1, so ESC sequences too) are written
// visibly as \n, \r, \t, \xHH or \u00HH, and bytes that are not UTF-8 as
// \xHH, so no stored value can reach the terminal raw.
void PrintTable(const ExecutionPage& page, std::ostream& out);

// RFC 4180 CSV (CRLF line ends) with a header row and one row per execution
// holding every field of the API's response, in its order: executionArn,
// name, agentName, stateMachineArn, status, startDate, stopDate,
// durationSeconds (a number of seconds, e.g. 10.274), indexedAt, error,
// cause, redriveCount (0 when never redriven); an absent optional field is
// an empty cell. A field holding a comma, quote, CR or LF is quoted, its
// quotes doubled. Against formula injection (OWASP), a text value that
// starts with =, +, -, @, tab or CR is written with a ' before it, so a
// spreadsheet shows it as text instead of evaluating it.
void PrintCsv(const ExecutionPage& page, std::ostream& out);

}  // namespace exidx::cli
