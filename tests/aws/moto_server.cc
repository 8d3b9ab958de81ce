#include "aws/moto_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <thread>
#include <vector>

#include "aws/curl_http_client.h"

namespace exidx::aws::testing {
namespace {

// A port the kernel considers free now: bind port 0, read it, close.
int FreePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 0;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof(address);
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
    port = ntohs(address.sin_port);
  }
  ::close(fd);
  return port;
}

// The Python that has moto: the one beside moto_server (tests/aws/
// moto_serialized.py runs moto_server's main one request at a time).
std::string MotoPython() {
  if (const char* path = std::getenv("EXIDX_MOTO_PYTHON")) return path;
  for (const char* candidate : {"/root/.pyenv/shims/python3", "/usr/local/bin/python3", "/usr/bin/python3"}) {
    const std::string dir = std::string(candidate).substr(0, std::string(candidate).rfind('/'));
    if (::access((dir + "/moto_server").c_str(), X_OK) == 0 && ::access(candidate, X_OK) == 0) return candidate;
  }
  return "python3";  // From PATH.
}

}  // namespace

std::string MotoServer::DynalitePath() {
  if (const char* path = std::getenv("EXIDX_DYNALITE")) return path;
  // Installed by scripts/install-deps.sh from tests/dynalite/package-lock.json.
  return std::string(EXIDX_SOURCE_DIR) + "/tests/dynalite/node_modules/.bin/dynalite";
}

MotoServer::MotoServer(Kind kind) {
  env_.Set("AWS_REGION", "us-east-1");
  env_.Set("AWS_ACCESS_KEY_ID", "testing");
  env_.Set("AWS_SECRET_ACCESS_KEY", "testing-secret");
  env_.Set("AWS_EC2_METADATA_DISABLED", "true");
  env_.Set("AWS_CONFIG_FILE", "/nonexistent/exidx-test-config");
  env_.Set("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/exidx-test-credentials");
  for (int tries = 0; tries < 3 && pid_ <= 0; ++tries) {
    port_ = FreePort();
    if (port_ == 0) continue;
    const std::string program = kind == Kind::kMoto ? MotoPython() : DynalitePath();
    const std::string port = std::to_string(port_);
    std::vector<std::string> args = {
        program, std::string(EXIDX_SOURCE_DIR) + "/tests/aws/moto_serialized.py", "-H", "127.0.0.1", "-p", port};
    if (kind == Kind::kDynalite) args = {program, "--host", "127.0.0.1", "--port", port};
    std::vector<char*> argv;
    for (auto& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    // fork + exec rather than posix_spawn, to ask for SIGTERM when this
    // process dies: a test that crashes leaves no server behind.
    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGTERM);
      if (::getppid() != parent) ::_exit(127);
      const int null = ::open("/dev/null", O_WRONLY);
      if (null >= 0) {
        ::dup2(null, 1);
        ::dup2(null, 2);
      }
      ::execvp(program.c_str(), argv.data());
      ::_exit(127);
    }
    if (pid < 0) {
      error_ = "cannot start " + program;
      return;
    }
    pid_ = pid;
    // Wait until it answers HTTP (moto's Python start takes a second or two).
    CurlHttpClient http;
    bool up = false;
    for (int i = 0; i < 300 && !up; ++i) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {  // Exited: the port was taken, try another.
        pid_ = -1;
        break;
      }
      HttpRequest request;
      request.url = url() + (kind == Kind::kMoto ? "/moto-api/" : "/");
      request.timeout = std::chrono::milliseconds(500);
      auto response = http.Send(request);
      up = response.has_value();
      if (!up) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (!up) {
      Stop();
      error_ = program + " did not answer on port " + port;
    }
  }
  if (pid_ > 0) {
    error_.clear();
    env_.Set("AWS_ENDPOINT_URL", url());
  }
}

MotoServer::~MotoServer() {
  Stop();
}

void MotoServer::Stop() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  int status = 0;
  for (int i = 0; i < 100; ++i) {
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

MotoServer& MotoServer::SharedDynalite() {
  static MotoServer* server = new MotoServer(Kind::kDynalite);
  static const bool registered = [] {
    std::atexit([] { server->Stop(); });
    return true;
  }();
  (void)registered;
  return *server;
}

std::shared_ptr<AwsContext> MotoServer::Context() const {
  return AwsContext::Default(env_);
}

MotoServer& MotoServer::Shared() {
  static MotoServer* server = new MotoServer();  // Stopped at exit below.
  static const bool registered = [] {
    std::atexit([] { server->Stop(); });
    return true;
  }();
  (void)registered;
  return *server;
}

}  // namespace exidx::aws::testing
