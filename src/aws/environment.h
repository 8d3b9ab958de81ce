// Environment: where the AWS settings (credentials, region, endpoints, profile
// files) are looked up. A seam, so that tests pass a map instead of mutating the
// process environment.
#pragma once

#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace exidx::aws {

class Environment {
 public:
  virtual ~Environment() = default;

  // The value of the variable `name`, or nullopt when it is unset. An empty
  // value is returned as is; GetSetting() below treats it as unset.
  // Thread-safe.
  virtual std::optional<std::string> Get(std::string_view name) const = 0;

  // The environment of this process (getenv). Thread-safe as long as nothing
  // calls setenv/putenv concurrently. Lives for the whole process.
  static const Environment& Process();
};

// The value of `name` when it is set and not empty, as the AWS SDKs treat an
// empty variable as unset.
std::optional<std::string> GetSetting(const Environment& env, std::string_view name);

// An environment given as a map: for tests and for embedding.
class MapEnvironment final : public Environment {
 public:
  MapEnvironment() = default;
  explicit MapEnvironment(std::map<std::string, std::string, std::less<>> variables)
      : variables_(std::move(variables)) {}
  MapEnvironment(std::initializer_list<std::pair<const std::string, std::string>> variables) : variables_(variables) {}

  std::optional<std::string> Get(std::string_view name) const override;

  // Not thread-safe with Get(): set up before use.
  void Set(std::string name, std::string value) { variables_[std::move(name)] = std::move(value); }

 private:
  std::map<std::string, std::string, std::less<>> variables_;
};

}  // namespace exidx::aws
