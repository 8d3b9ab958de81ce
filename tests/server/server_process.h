// Runs `exidx serve` as a child process for a test: on 127.0.0.1 port 0, its
// log in a file; the port is read from the "listening" log line.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace exidx::testing {

class ServerProcess {
 public:
  // Starts `exidx serve --listen 127.0.0.1:0 <args>`, logging to `log_path`,
  // and waits (up to 30 s) for it to listen and, with `wait_until_ready`, for
  // its store to be open (the "ready" log line: before it, every route but
  // /healthz answers 503). started() tells whether it did.
  ServerProcess(const std::string& exidx, const std::vector<std::string>& args, const std::string& log_path,
                bool wait_until_ready = true);
  ~ServerProcess();  // SIGKILLs it if still running.

  bool started() const { return port_ != 0; }
  std::uint16_t port() const { return port_; }
  std::string Log() const;

  // Sends `signal` and waits for the exit; the exit status (-1 if killed by a signal).
  int Stop(int signal);
  // Waits for the process to exit on its own (up to 30 s); its exit status, or -2 on timeout.
  int Wait();

 private:
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
  std::string log_path_;
};

}  // namespace exidx::testing
