#include "cli/command_suggestion.h"

#include <gtest/gtest.h>

#include <vector>

namespace exidx::cli {
namespace {

TEST(EditDistanceTest, CountsEditsAndAdjacentTranspositions) {
  EXPECT_EQ(EditDistance("query", "query"), 0u);
  EXPECT_EQ(EditDistance("qeury", "query"), 1u);
  EXPECT_EQ(EditDistance("quer", "query"), 1u);
  EXPECT_EQ(EditDistance("qxery", "query"), 1u);
  EXPECT_EQ(EditDistance("", "abc"), 3u);
  EXPECT_EQ(EditDistance("kitten", "sitting"), 3u);
}

TEST(ClosestNameTest, SuggestsOnlyWhatLooksLikeATypo) {
  const std::vector<std::string> names = {"ingest", "query", "serve", "simulate", "stats"};
  EXPECT_EQ(ClosestName("qeury", names), "query");
  EXPECT_EQ(ClosestName("stat", names), "stats");
  EXPECT_EQ(ClosestName("simualte", names), "simulate");
  EXPECT_EQ(ClosestName("x", names), std::nullopt);
  EXPECT_EQ(ClosestName("frobnicate", names), std::nullopt);
}

TEST(UnknownCommandMessageTest, NamesTheCommandAtItsLevel) {
  CLI::App app{"test", "exidx"};
  app.add_subcommand("query", "");
  app.add_subcommand("tags", "")->add_subcommand("refresh", "");
  const auto message = [&](std::vector<const char*> args) {
    args.insert(args.begin(), "exidx");
    return UnknownCommandMessage(app, static_cast<int>(args.size()), args.data());
  };
  EXPECT_EQ(message({"qeury"}),
            "exidx: unknown command \"qeury\"; did you mean \"query\"? (exidx --help lists the commands)");
  EXPECT_EQ(message({"tags", "refesh"}),
            "exidx tags: unknown command \"refesh\"; did you mean \"refresh\"? (exidx tags --help lists the commands)");
  EXPECT_EQ(message({"query", "--agent", "x"}), std::nullopt);
  EXPECT_EQ(message({"tags", "refresh", "extra"}), std::nullopt) << "refresh's own arguments are CLI11's to judge";
  EXPECT_EQ(message({"--help"}), std::nullopt);
  EXPECT_EQ(message({}), std::nullopt);
}

}  // namespace
}  // namespace exidx::cli
