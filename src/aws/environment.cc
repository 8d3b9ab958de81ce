#include "aws/environment.h"

#include <cstdlib>

namespace exidx::aws {
namespace {

class ProcessEnvironment final : public Environment {
 public:
  std::optional<std::string> Get(std::string_view name) const override {
    const char* value = std::getenv(std::string(name).c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  }
};

}  // namespace

const Environment& Environment::Process() {
  static const ProcessEnvironment* const process = new ProcessEnvironment();
  return *process;
}

std::optional<std::string> GetSetting(const Environment& env, std::string_view name) {
  std::optional<std::string> value = env.Get(name);
  if (value && value->empty()) return std::nullopt;
  return value;
}

std::optional<std::string> MapEnvironment::Get(std::string_view name) const {
  auto it = variables_.find(name);
  if (it == variables_.end()) return std::nullopt;
  return it->second;
}

}  // namespace exidx::aws
