#include "server/router.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace exidx::server {
namespace {

Handler Returning(int status) {
  return [status](const HttpRequest&) {
    HttpResponse response;
    response.status = status;
    return response;
  };
}

TEST(RouterTest, FindsExactMethodAndPath) {
  Router router;
  router.Add({"GET", "/v1/executions", "list", Access::kRead, Returning(201)});
  router.Add({"POST", "/v1/events", "post", Access::kIngest, Returning(202)});
  auto match = router.Find("GET", "/v1/executions");
  ASSERT_NE(match.route, nullptr);
  EXPECT_EQ(match.route->name, "list");
  EXPECT_EQ(match.route->access, Access::kRead);
  EXPECT_EQ(match.route->handler(HttpRequest{}).status, 201);
  EXPECT_EQ(router.Find("POST", "/v1/events").route->name, "post");
}

TEST(RouterTest, UnknownPathIs404AndTrailingSlashIsAnotherPath) {
  Router router;
  router.Add({"GET", "/v1/executions", "list", Access::kRead, Returning(200)});
  EXPECT_EQ(router.Find("GET", "/v1/nothing").status, 404);
  EXPECT_EQ(router.Find("GET", "/v1/executions/").status, 404);
  EXPECT_EQ(router.Find("GET", "/v1/executions/").route, nullptr);
}

TEST(RouterTest, KnownPathOtherMethodIs405WithAllow) {
  Router router;
  router.Add({"GET", "/x", "get", Access::kRead, Returning(200)});
  router.Add({"POST", "/x", "post", Access::kIngest, Returning(200)});
  auto match = router.Find("DELETE", "/x");
  EXPECT_EQ(match.route, nullptr);
  EXPECT_EQ(match.status, 405);
  EXPECT_EQ(match.allow, "GET, POST");
}

TEST(RouterTest, RoutesListsEveryRouteByPathThenMethod) {
  Router router;
  EXPECT_TRUE(router.Routes().empty());
  router.Add({"POST", "/x", "post", Access::kIngest, Returning(200)});
  router.Add({"GET", "/b", "b", Access::kPublic, Returning(200)});
  router.Add({"GET", "/x", "get", Access::kRead, Returning(200)});
  std::vector<std::string> listed;
  for (const Route* route : router.Routes()) listed.push_back(route->method + " " + route->path + " " + route->name);
  EXPECT_EQ(listed, (std::vector<std::string>{"GET /b b", "GET /x get", "POST /x post"}));
}

TEST(RouterDeathTest, AddingARouteTwiceCrashes) {
  Router router;
  router.Add({"GET", "/x", "a", Access::kRead, Returning(200)});
  EXPECT_DEATH(router.Add({"GET", "/x", "b", Access::kRead, Returning(200)}), "added twice");
}

}  // namespace
}  // namespace exidx::server
