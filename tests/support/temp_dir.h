// TempDir: a fresh, empty directory for one test (mkdtemp under the system's
// temporary directory, named exidx-<prefix>-XXXXXX), removed with everything
// in it when the object is destroyed. Throws std::runtime_error when it cannot
// be created. Not copyable; the methods only compute paths or write files and
// are safe from several threads for different names.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <string_view>

namespace exidx::testing {

class TempDir {
 public:
  explicit TempDir(std::string_view prefix = "test") {
    std::string pattern =
        (std::filesystem::temp_directory_path() / ("exidx-" + std::string(prefix) + "-XXXXXX")).string();
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed for " + pattern);
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }

  // The path of `name` inside (which need not exist).
  std::string File(std::string_view name) const { return (path_ / name).string(); }

  // Writes `content` to the file `name` inside, creating its parent
  // directories; returns its path.
  std::string Write(std::string_view name, std::string_view content) const {
    const std::filesystem::path file = path_ / name;
    std::filesystem::create_directories(file.parent_path());
    std::ofstream(file, std::ios::binary) << content;
    return file.string();
  }

 private:
  std::filesystem::path path_;
};

}  // namespace exidx::testing
