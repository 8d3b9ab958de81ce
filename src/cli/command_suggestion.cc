#include "cli/command_suggestion.h"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

namespace exidx::cli {
namespace {

std::vector<std::string> SubcommandNames(const CLI::App& app) {
  std::vector<std::string> names;
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
    names.push_back(sub->get_name());
  }
  return names;
}

const CLI::App* FindSubcommand(const CLI::App& app, std::string_view name) {
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
    if (sub->get_name() == name) return sub;
  }
  return nullptr;
}

// "exidx", "exidx tags": how the user names `app`.
std::string CommandPath(const CLI::App& app) {
  std::string path = app.get_name();
  for (const CLI::App* parent = app.get_parent(); parent != nullptr; parent = parent->get_parent()) {
    path = parent->get_name() + " " + path;
  }
  return path;
}

std::string Suggestion(std::string_view given, std::span<const std::string> names) {
  auto closest = ClosestName(given, names);
  return closest ? fmt::format("; did you mean \"{}\"?", *closest) : "";
}

}  // namespace

std::size_t EditDistance(std::string_view a, std::string_view b) {
  // d[i][j]: the distance between the first i characters of a and the first j of b.
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

std::optional<std::string> ClosestName(std::string_view given, std::span<const std::string> names) {
  std::optional<std::string> best;
  std::size_t best_distance = 0;
  for (const std::string& name : names) {
    const std::size_t distance = EditDistance(given, name);
    if (distance * 3 > std::max(given.size(), name.size())) continue;
    if (!best || distance < best_distance) {
      best = name;
      best_distance = distance;
    }
  }
  return best;
}

std::optional<std::string> UnknownCommandMessage(const CLI::App& app, int argc, const char* const* argv) {
  const CLI::App* current = &app;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg.empty() || arg.front() == '-') return std::nullopt;  // An option: CLI11's to judge.
    const std::vector<std::string> names = SubcommandNames(*current);
    if (names.empty()) return std::nullopt;
    const CLI::App* sub = FindSubcommand(*current, arg);
    if (sub == nullptr) {
      const std::string path = CommandPath(*current);
      return fmt::format("{}: unknown command \"{}\"{} ({} --help lists the commands)", path, arg,
                         Suggestion(arg, names), path);
    }
    current = sub;
  }
  return std::nullopt;
}

std::string UnknownOptionMessage(const CLI::App& command, std::span<const std::string> unknown) {
  std::vector<std::string> names;
  for (const CLI::Option* option : command.get_options()) {
    for (const std::string& name : option->get_lnames()) names.push_back("--" + name);
    for (const std::string& name : option->get_snames()) names.push_back("-" + name);
  }
  const std::string path = CommandPath(command);
  std::string message;
  for (const std::string& given : unknown) {
    // "--agnet=x" is the option "--agnet".
    const std::string_view name = std::string_view(given).substr(0, given.find('='));
    if (!message.empty()) message += '\n';
    message += fmt::format("{}: unknown option \"{}\"{} ({} --help lists the options)", path, name,
                           Suggestion(name, names), path);
  }
  return message;
}

}  // namespace exidx::cli
