#include "aws/shared_config.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <system_error>

namespace exidx::aws {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::optional<std::string> FilePath(const Environment& env, std::string_view variable, std::string_view default_name) {
  std::optional<std::string> home = GetSetting(env, "HOME");
  if (std::optional<std::string> path = GetSetting(env, variable)) {
    if (home && (*path == "~" || path->starts_with("~/"))) return *home + path->substr(1);
    return path;
  }
  if (!home) return std::nullopt;
  return *home + "/.aws/" + std::string(default_name);
}

// The profile a section header names, or nullopt for a section of another kind.
std::optional<std::string> SectionProfile(std::string_view section, SharedFileKind kind) {
  if (kind == SharedFileKind::kCredentials) return std::string(section);
  if (section == "default") return std::string(section);
  if (section.starts_with("profile ") || section.starts_with("profile\t")) {
    return std::string(Trim(section.substr(8)));
  }
  return std::nullopt;
}

std::unexpected<Error> LineError(const std::string& path, int line, std::string_view expected) {
  return Fail(ErrorCode::kInternal,
              "AWS shared file " + Quoted(path) + " line " + std::to_string(line) + ": " + std::string(expected));
}

}  // namespace

std::string ProfileName(const Environment& env) {
  if (std::optional<std::string> name = GetSetting(env, "AWS_PROFILE")) return *name;
  if (std::optional<std::string> name = GetSetting(env, "AWS_DEFAULT_PROFILE")) return *name;
  return "default";
}

std::optional<std::string> CredentialsFilePath(const Environment& env) {
  return FilePath(env, "AWS_SHARED_CREDENTIALS_FILE", "credentials");
}

std::optional<std::string> ConfigFilePath(const Environment& env) {
  return FilePath(env, "AWS_CONFIG_FILE", "config");
}

namespace {

// The settings of the sections `wanted` accepts (given a header's text
// between the brackets, trimmed), merged; nullopt when the file does not
// exist or has none.
Result<std::optional<ProfileSettings>> ReadSections(const std::string& path,
                                                    const std::function<bool(std::string_view)>& wanted) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return std::nullopt;
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    return Fail(ErrorCode::kInternal, "cannot read AWS shared file " + Quoted(path) + ": " + std::strerror(errno));
  }
  ProfileSettings settings;
  bool found = false;
  bool in_profile = false;     // The current section is one asked for.
  bool in_section = false;     // Any section has begun.
  bool after_setting = false;  // An indented line here continues a setting.
  std::string parent;          // The key of the setting an indented line continues.
  std::string line;
  int number = 0;
  while (std::getline(file, line)) {
    ++number;
    std::string_view text = Trim(line);
    if (text.empty() || text.front() == '#' || text.front() == ';') continue;
    const bool indented = line.front() == ' ' || line.front() == '\t';
    if (indented && after_setting) {  // A sub-setting ("s3 =\n  addressing_style = x").
      const std::size_t delimiter = text.find_first_of("=:");
      if (in_profile && delimiter != std::string_view::npos) {
        settings[parent + "." + Lower(Trim(text.substr(0, delimiter)))] = std::string(Trim(text.substr(delimiter + 1)));
      }
      continue;
    }
    if (text.front() == '[') {
      std::size_t close = text.find(']');
      if (close == std::string_view::npos) {
        return LineError(path, number, "expected ']' to end the section header");
      }
      in_section = true;
      in_profile = wanted(Trim(text.substr(1, close - 1)));
      found = found || in_profile;
      after_setting = false;
      continue;
    }
    std::size_t delimiter = text.find_first_of("=:");
    if (delimiter == std::string_view::npos || Trim(text.substr(0, delimiter)).empty()) {
      return LineError(path, number, "expected '[section]' or 'key = value'");
    }
    if (!in_section) {
      return LineError(path, number, "setting before the first '[section]'");
    }
    after_setting = true;
    parent = Lower(Trim(text.substr(0, delimiter)));
    if (in_profile) settings[parent] = std::string(Trim(text.substr(delimiter + 1)));
  }
  if (file.bad()) {
    return Fail(ErrorCode::kInternal, "cannot read AWS shared file " + Quoted(path));
  }
  if (!found) return std::nullopt;
  return settings;
}

}  // namespace

Result<std::optional<ProfileSettings>> ReadProfile(const std::string& path, SharedFileKind kind,
                                                   std::string_view profile) {
  return ReadSections(path, [&](std::string_view section) {
    const std::optional<std::string> named = SectionProfile(section, kind);
    return named && *named == profile;
  });
}

Result<std::optional<ProfileSettings>> ReadServicesSection(const std::string& path, std::string_view name) {
  return ReadSections(path, [&](std::string_view section) {
    return section.starts_with("services") && section.size() > 8 && (section[8] == ' ' || section[8] == '\t') &&
           Trim(section.substr(9)) == name;
  });
}

}  // namespace exidx::aws
