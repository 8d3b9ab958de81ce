// MotoServer: a real DynamoDB and Step Functions API (Python moto's
// moto_server) on 127.0.0.1 and a free port, started by a test and stopped
// with it, and an AwsContext pointed at it with dummy credentials.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>

#include "aws/environment.h"
#include "aws/json_client.h"

namespace exidx::aws::testing {

class MotoServer {
 public:
  // Starts moto_server and waits until it answers. Check ok() after.
  MotoServer() : MotoServer(Kind::kMoto) {}
  enum class Kind { kMoto, kDynalite };
  // kDynalite: npm's dynalite (a second DynamoDB implementation), from
  // $EXIDX_DYNALITE or tests/dynalite/node_modules/.bin/dynalite (scripts/install-deps.sh).
  explicit MotoServer(Kind kind);
  ~MotoServer();  // Stops it.
  MotoServer(const MotoServer&) = delete;
  MotoServer& operator=(const MotoServer&) = delete;

  bool ok() const { return pid_ > 0; }
  const std::string& error() const { return error_; }  // Why it did not start.
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  // Kills the server now (the URL then refuses connections).
  void Stop();

  // AWS_ENDPOINT_URL=url(), region us-east-1, dummy static keys; no profile
  // files or instance metadata consulted.
  const Environment& env() const { return env_; }

  // A context over env() with CurlHttpClient and the system clock.
  std::shared_ptr<AwsContext> Context() const;

  // One server for the whole test binary, started on first use.
  static MotoServer& Shared();
  // The same for dynalite.
  static MotoServer& SharedDynalite();
  // Where dynalite is looked for, and whether it is there.
  static std::string DynalitePath();

 private:
  pid_t pid_ = -1;
  int port_ = 0;
  std::string error_;
  MapEnvironment env_;
};

}  // namespace exidx::aws::testing
