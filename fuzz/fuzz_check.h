// FUZZ_CHECK: a property every input must keep. A violation prints the
// property and aborts, which libFuzzer reports as a crash with the input saved.
#pragma once

#include <cstdio>
#include <cstdlib>

namespace exidx::fuzz {

[[noreturn]] inline void PropertyViolated(const char* property, const char* file, int line) {
  std::fprintf(stderr, "%s:%d: property violated: %s\n", file, line, property);
  std::abort();
}

}  // namespace exidx::fuzz

#define FUZZ_CHECK(condition) \
  ((condition) ? static_cast<void>(0) : ::exidx::fuzz::PropertyViolated(#condition, __FILE__, __LINE__))
