// listExecutionsFromIndex (CONTRACT.md section 5): one operation shared by the
// REST route, the CLI and the Lambda list handler.
#pragma once

#include "core/error.h"
#include "core/page_token.h"
#include "core/query.h"
#include "store/execution_store.h"

namespace exidx {

// A query after validation.
struct ValidatedQuery {
  ExecutionFilter filter;
  SortOrder order = SortOrder::kDesc;
  int max_results = kDefaultMaxResults;
  std::optional<Cursor> after;
};

// Checks every argument; the first bad one gives kInvalidParameter (or
// kInvalidToken for nextToken) with a message that names it.
Result<ValidatedQuery> ValidateQuery(const QueryArguments& arguments, const PageTokenCodec& tokens);

// One full page: max_results items unless it is the last, and a next token
// exactly when more items match. Scans max_results + 1 items to know.
Result<ExecutionPage> ListExecutions(ExecutionStore& store, const PageTokenCodec& tokens, const ValidatedQuery& query);

// Validates and lists.
Result<ExecutionPage> ListExecutions(ExecutionStore& store, const PageTokenCodec& tokens,
                                     const QueryArguments& arguments);

}  // namespace exidx
