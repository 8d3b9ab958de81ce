// What `exidx` says about a command or option it does not know: the name as
// given and the closest one it knows, so that a typo costs one reading.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include <CLI/CLI.hpp>

namespace exidx::cli {

// The number of single-character insertions, deletions, substitutions and
// transpositions of adjacent characters that turn `a` into `b` (optimal
// string alignment distance).
std::size_t EditDistance(std::string_view a, std::string_view b);

// The name of `names` closest to `given` by EditDistance, when it is close
// enough to be a typo of it: at most one edit per three characters of the
// longer of the two (so "qeury" -> "query", "x" -> nothing); nullopt
// otherwise. Ties go to the first in `names`.
std::optional<std::string> ClosestName(std::string_view given, std::span<const std::string> names);

// When argv names a subcommand `app` (or one of its subcommands that has
// subcommands of its own, e.g. `tags`) does not have, the message for it:
//   exidx: unknown command "qeury"; did you mean "query"? (exidx --help lists the commands)
// (without the suggestion when no command is close); nullopt otherwise,
// leaving every other mistake to CLI11's parse.
std::optional<std::string> UnknownCommandMessage(const CLI::App& app, int argc, const char* const* argv);

// The message for options that `command` (the innermost subcommand that was
// parsed) does not have, each with the closest option it has:
//   exidx query: unknown option "--agnet"; did you mean "--agent"? (exidx query --help lists the options)
std::string UnknownOptionMessage(const CLI::App& command, std::span<const std::string> unknown);

}  // namespace exidx::cli
