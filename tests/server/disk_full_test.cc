// A full disk under a running `exidx serve`, end to end, on a small tmpfs
// mounted by the test (root only; skipped with a message otherwise): ingestion
// answers 503 and acknowledges nothing it did not store, queries go on,
// /readyz says writes fail, ingestion resumes once space is freed without a
// restart, and a restart on a full disk still answers queries (read-only).
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <thread>

#include "server/http_client.h"
#include "server/server_process.h"
#include "server/test_events.h"
#include "support/process.h"
#include "support/temp_dir.h"

namespace exidx::testing {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

const std::string kExidx = EXIDX_BINARY_DIR "/src/cli/exidx";
constexpr std::int64_t kT0 = 1'759'140'000'000;

// A tmpfs of `megabytes` at a fresh directory, unmounted when destroyed.
class SmallDisk {
 public:
  explicit SmallDisk(int megabytes) : path_(dir_.File("disk")) {
    std::filesystem::create_directory(path_);
    const std::string options = "size=" + std::to_string(megabytes) + "m";
    mounted_ = ::mount("tmpfs", path_.c_str(), "tmpfs", 0, options.c_str()) == 0;
  }
  ~SmallDisk() {
    if (mounted_) ::umount2(path_.c_str(), MNT_DETACH);
  }
  bool mounted() const { return mounted_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

  // Writes `path` until the disk is full (or `bytes` were written).
  void Fill(const std::string& path, std::size_t bytes = SIZE_MAX) const {
    std::ofstream out(path, std::ios::binary | std::ios::app);
    const std::string block(4096, 'x');
    for (std::size_t written = 0; written < bytes && out.write(block.data(), block.size()); written += block.size()) {
      out.flush();
      if (!out) break;
    }
  }
  std::uint64_t FreeBytes() const {
    struct statvfs stats{};
    ::statvfs(path_.c_str(), &stats);
    return static_cast<std::uint64_t>(stats.f_bavail) * stats.f_frsize;
  }

 private:
  TempDir dir_;
  std::string path_;
  bool mounted_ = false;
};

// A batch of `count` new executions, each RUNNING then SUCCEEDED, with long
// causes so that a few batches fill a small disk.
std::string Batch(int first, int count, std::vector<std::string>& arns) {
  std::string body;
  for (int i = first; i < first + count; ++i) {
    const std::string name = "x" + std::to_string(i);
    arns.push_back(ExecutionArnOf("disk", name));
    body += StatusEvent("r" + name, "disk", name, "RUNNING", kT0 + i) + "\n";
    body += StatusEvent("s" + name, "disk", name, "SUCCEEDED", kT0 + i, kT0 + i + 1000) + "\n";
  }
  return body;
}

bool IsErrorBody(const HttpReply& reply, const std::string& code) {
  boost::system::error_code ec;
  const json::value body = json::parse(reply.body, ec);
  return !ec && body.is_object() && body.as_object().contains("error") &&
         body.at("error").at("code").as_string() == code && body.at("error").at("message").is_string();
}

// Every executionArn the server answers, through the list's pages.
std::set<std::string> ListedArns(std::uint16_t port) {
  std::set<std::string> arns;
  std::string token;
  for (int page = 0; page < 1000; ++page) {
    const std::string target = "/v1/executions?maxResults=1000" + (token.empty() ? "" : "&nextToken=" + token);
    auto reply = HttpCall(port, "GET", target);
    EXPECT_EQ(reply.status, 200) << reply.body;
    if (reply.status != 200) break;
    const json::value body = json::parse(reply.body);
    for (const json::value& item : body.at("executions").as_array()) {
      arns.insert(std::string(item.at("executionArn").as_string()));
    }
    if (body.at("nextToken").is_null()) break;
    token = std::string(body.at("nextToken").as_string());
  }
  return arns;
}

TEST(DiskFullTest, ServerAnswers503KeepsQueryingAndResumesWhenSpaceIsFreed) {
  if (::geteuid() != 0) GTEST_SKIP() << "mounting a small tmpfs needs root";
  // RocksDB resumes writes after a full disk once a memtable's worth (64 MiB)
  // is free: the disk is that plus a little, mostly taken by ballast that is
  // freed later, so that the store fills the rest quickly.
  SmallDisk disk(80);
  if (!disk.mounted()) GTEST_SKIP() << "cannot mount a tmpfs here: " << std::strerror(errno);
  disk.Fill(disk.File("ballast"), disk.FreeBytes() - (6u << 20));

  TempDir logs;
  auto server = std::make_unique<ServerProcess>(
      kExidx, std::vector<std::string>{"--store", disk.File("store"), "--index-all"}, logs.File("serve-1.log"));
  ASSERT_TRUE(server->started()) << server->Log();
  const auto port = server->port();

  std::vector<std::string> acknowledged;
  HttpReply refused;
  std::string refused_body;
  int next = 0;
  for (int attempt = 0; attempt < 2000; ++attempt) {
    std::vector<std::string> arns;
    const std::string body = Batch(next, 50, arns);
    next += 50;
    auto reply = HttpCall(port, "POST", "/v1/events", {{"Content-Type", "application/x-ndjson"}}, body);
    if (reply.status == 200) {
      acknowledged.insert(acknowledged.end(), arns.begin(), arns.end());
      continue;
    }
    refused = reply;
    refused_body = body;
    break;
  }
  ASSERT_NE(refused.status, 0) << "the connection dropped instead of an answer: " << server->Log();
  ASSERT_EQ(refused.status, 503) << refused.body;
  EXPECT_TRUE(IsErrorBody(refused, "Unavailable")) << refused.body;
  EXPECT_NE(refused.body.find("disk is full"), std::string::npos) << refused.body;
  EXPECT_FALSE(refused.headers["retry-after"].empty());
  ASSERT_FALSE(acknowledged.empty()) << "the disk was full before the first batch";

  // Still up, still answering queries, and nothing acknowledged is missing.
  EXPECT_EQ(HttpCall(port, "GET", "/healthz").status, 200);
  const std::set<std::string> listed = ListedArns(port);
  for (const std::string& arn : acknowledged) EXPECT_EQ(listed.count(arn), 1u) << arn;
  auto ready = HttpCall(port, "GET", "/readyz");
  EXPECT_EQ(ready.status, 503) << ready.body;
  EXPECT_TRUE(IsErrorBody(ready, "Unavailable")) << ready.body;

  // Space again: the same batch goes in, without a restart.
  std::filesystem::remove(disk.File("ballast"));
  HttpReply retried;
  for (int attempt = 0; attempt < 300 && retried.status != 200; ++attempt) {  // RocksDB looks every 5 s
    retried = HttpCall(port, "POST", "/v1/events", {{"Content-Type", "application/x-ndjson"}}, refused_body);
    if (retried.status != 200) std::this_thread::sleep_for(100ms);
  }
  ASSERT_EQ(retried.status, 200) << retried.body << server->Log();
  EXPECT_EQ(HttpCall(port, "GET", "/readyz").status, 200);
  EXPECT_EQ(server->Stop(SIGTERM), 0) << server->Log();

  // A restart on a full disk: read-only, queries answer, writes get 503.
  disk.Fill(disk.File("ballast"));
  ASSERT_LT(disk.FreeBytes(), 64u << 10);
  server = std::make_unique<ServerProcess>(
      kExidx, std::vector<std::string>{"--store", disk.File("store"), "--index-all"}, logs.File("serve-2.log"));
  ASSERT_TRUE(server->started()) << server->Log();
  EXPECT_NE(server->Log().find("opened read-only because the disk was full"), std::string::npos) << server->Log();
  const std::set<std::string> after_restart = ListedArns(server->port());
  for (const std::string& arn : acknowledged) EXPECT_EQ(after_restart.count(arn), 1u) << arn;
  std::vector<std::string> unused;
  auto posted = HttpCall(server->port(), "POST", "/v1/events", {}, Batch(next, 1, unused));
  EXPECT_EQ(posted.status, 503) << posted.body;
  EXPECT_TRUE(IsErrorBody(posted, "Unavailable")) << posted.body;
  EXPECT_EQ(HttpCall(server->port(), "GET", "/readyz").status, 503);
  EXPECT_EQ(server->Stop(SIGTERM), 0) << server->Log();

  // The read-only command line on the full disk: answers, exit 0.
  auto query = RunProcess({kExidx, "query", "--store", disk.File("store"), "--format", "json", "--limit", "5"});
  EXPECT_EQ(query.exit_status, 0) << query.err;
  EXPECT_NE(query.out.find("\"executions\""), std::string::npos) << query.out;
  // No RocksDB LOG file in the store (its writes were what crashed).
  EXPECT_FALSE(std::filesystem::exists(disk.File("store/LOG")));
}

}  // namespace
}  // namespace exidx::testing
