// LambdaProcess: `exidx lambda` (or a package's bootstrap) as a child process
// with a chosen environment, its standard error in a file.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace exidx::lambda::testing {

struct LambdaProcessOptions {
  std::vector<std::string> argv;  // argv[0] is the program's path.
  // Set in the child on top of the test's environment; a nullopt value
  // removes the variable.
  std::map<std::string, std::optional<std::string>> env;
  std::string log_path;  // Standard output and error go here.
  std::string chroot;    // When set: chroot here (and cd /) before exec.
  std::string cwd;       // When set (and no chroot): run here.
};

class LambdaProcess {
 public:
  explicit LambdaProcess(LambdaProcessOptions options);
  ~LambdaProcess();  // SIGKILLs it if still running.
  LambdaProcess(const LambdaProcess&) = delete;
  LambdaProcess& operator=(const LambdaProcess&) = delete;

  // Waits for the exit: its status, -1 when killed by a signal, -2 on timeout.
  int Wait(std::chrono::milliseconds timeout = std::chrono::seconds(30));
  std::string Log() const;

 private:
  pid_t pid_ = -1;
  std::string log_path_;
};

}  // namespace exidx::lambda::testing
