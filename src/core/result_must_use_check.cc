// Compiled by the test core_result_must_be_used (result_must_use_check.cmake),
// never linked: as it is, it must compile, which checks that Result is used as
// std::expected is; with EXIDX_DROP_STATUS or EXIDX_DROP_RESULT defined it
// drops a Result and must fail to compile under -Werror=unused-result.
#include <string>
#include <utility>

#include "core/error.h"

namespace exidx {
namespace {

Status Check(bool ok) {
  if (!ok) return Fail(ErrorCode::kInvalidParameter, "not ok");
  return {};
}

Result<int> Parse(bool ok) {
  if (!ok) return Fail(ErrorCode::kInvalidParameter, "not a number");
  return 42;
}

struct Store {
  Result<std::string> Get() const { return std::string("value"); }
};

Result<std::string> Uses() {
  if (auto checked = Check(true); !checked) return std::unexpected(checked.error());
  Result<int> number = Parse(true);
  const Result<int> copy = number;
  Result<int> moved = std::move(number);
  if (copy != 42 || !(moved == 42)) return Fail(ErrorCode::kInternal, "compare");
  Result<int> doubled = 2 * *moved;
  const std::expected<void, Error> plain = Check(true);
  Status converted = plain;
  if (!converted) return std::unexpected(converted.error());
  (void)Check(false);  // Dropped on purpose: the explicit form compiles.
  std::string text = Store().Get().value() + std::to_string(std::move(doubled).value());
  return text;
}

#if defined(EXIDX_DROP_STATUS)
void DropsStatus() {
  Check(true);
}
#endif

#if defined(EXIDX_DROP_RESULT)
void DropsResult() {
  Store().Get();
}
#endif

}  // namespace

std::string UseOfResultMustUseCheck() {
  return Uses().value_or("");
}

}  // namespace exidx
