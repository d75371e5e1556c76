#include "protocol/http_message.hpp"

#include <catch2/catch.hpp>

using namespace openmfd::protocol;

TEST_CASE("http_request splits path and query", "[http]") {
  http_request req;
  req.target = "/socket.io/?EIO=4&transport=polling";
  CHECK(req.path() == "/socket.io/");
  CHECK(req.query() == "EIO=4&transport=polling");
  req.target = "/info";
  CHECK(req.path() == "/info");
  CHECK(req.query().empty());
}

TEST_CASE("headers are found case-insensitively", "[http]") {
  http_request req;
  req.headers = {{"Content-Type", "application/json"}, {"X-A", "1"}};
  CHECK(req.header("content-type") == std::string_view{"application/json"});
  CHECK(req.header("x-a") == std::string_view{"1"});
  CHECK_FALSE(req.header("x-b").has_value());
  CHECK(iequals("Keep-Alive", "keep-alive"));
  CHECK_FALSE(iequals("keep-alive", "keep-alivE "));
}

TEST_CASE("query_param finds keys exactly", "[http]") {
  auto q = "EIO=4&transport=websocket&sid=abc&flag";
  CHECK(query_param(q, "EIO") == std::string_view{"4"});
  CHECK(query_param(q, "sid") == std::string_view{"abc"});
  CHECK(query_param(q, "flag") == std::string_view{""});
  CHECK_FALSE(query_param(q, "si").has_value());
  CHECK_FALSE(query_param("", "sid").has_value());
}

TEST_CASE("json_error makes a JSON error body", "[http]") {
  auto res = json_error(404, "not_found");
  CHECK(res.status == 404);
  CHECK(res.content_type == "application/json");
  CHECK(res.body == R"({"error":"not_found"})");
  // Codes are data, so quotes must be escaped, not spliced.
  CHECK(json_error(400, "a\"b").body == R"({"error":"a\"b"})");
}

TEST_CASE("a request's body counts as within its limit unless net says not",
          "[http]") {
  CHECK_FALSE(http_request{}.body_too_large);
}
