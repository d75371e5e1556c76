#include "protocol/http_routes.hpp"

#include <catch2/catch.hpp>

using namespace openmfd::protocol;

TEST_CASE("routes map method and path", "[http]") {
  CHECK(route("GET", "/info").target == endpoint::info);
  CHECK(route("GET", "/nope").target == endpoint::not_found);
  CHECK(route("GET", "/info/").target == endpoint::not_found);
  CHECK(route("get", "/info").target == endpoint::method_not_allowed);
  auto wrong = route("POST", "/info");
  CHECK(wrong.target == endpoint::method_not_allowed);
  CHECK(wrong.allow == "GET");
  CHECK(route("POST", "/authorise").target == endpoint::authorise);
  CHECK(route("POST", "/auth").target == endpoint::authorise);
  auto get_auth = route("GET", "/authorise");
  CHECK(get_auth.target == endpoint::method_not_allowed);
  CHECK(get_auth.allow == "POST");
}
