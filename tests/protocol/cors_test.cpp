#include <catch2/catch.hpp>

#include "protocol/cors.hpp"

namespace {

using openmfd::protocol::cors_policy;
using openmfd::protocol::cors_verdict;
using openmfd::protocol::http_request;
using openmfd::protocol::normalize_origin;

http_request request_from(std::string method, std::string origin) {
  http_request req;
  req.method = std::move(method);
  req.target = "/info";
  if (!origin.empty())
    req.headers.emplace_back("Origin", std::move(origin));
  return req;
}

std::string header(const openmfd::protocol::http_response& res,
                   std::string_view name) {
  for (const auto& [key, value] : res.headers)
    if (key == name)
      return value;
  return {};
}

} // namespace

TEST_CASE("origins are normalized as browsers send them", "[cors]") {
  struct row {
    const char* given;
    const char* origin;
  };
  const row rows[] = {
    {"https://panel.example", "https://panel.example"},
    {"HTTPS://Panel.Example/", "https://panel.example"},
    {"https://panel.example:443", "https://panel.example"},
    {"http://panel.example:80", "http://panel.example"},
    {"http://panel.example:8080", "http://panel.example:8080"},
    {"https://panel.example:0443", "https://panel.example"},
    {"http://192.168.1.20:3000", "http://192.168.1.20:3000"},
    {"https://[::1]:8443", "https://[::1]:8443"},
    {"https://[fe80::1]", "https://[fe80::1]"},
  };
  for (const auto& r : rows) {
    INFO(r.given);
    auto origin = normalize_origin(r.given);
    REQUIRE(origin);
    CHECK(*origin == r.origin);
  }
}

TEST_CASE("what is no origin is refused", "[cors]") {
  for (const char* text :
       {"*", "null", "", "panel.example", "ftp://panel.example",
        "https://", "https://panel.example/app", "https://panel.example?x=1",
        "https://user@panel.example", "https://panel.example:0",
        "https://panel.example:65536", "https://panel.example:",
        "https://panel.example:8a", "https://pan el.example",
        "https://.panel.example", "https://[::1", "https://[::1]x",
        "https://a:b:c"}) {
    INFO(text);
    CHECK_FALSE(normalize_origin(text));
  }
}

TEST_CASE("requests are judged by their Origin", "[cors]") {
  cors_policy policy{{"https://panel.example"}};
  CHECK(policy.judge(request_from("GET", "")) == cors_verdict::same_origin);
  CHECK(policy.judge(request_from("GET", "https://panel.example"))
        == cors_verdict::allowed);
  CHECK(policy.judge(request_from("POST", "https://PANEL.example:443"))
        == cors_verdict::allowed);
  CHECK(policy.judge(request_from("GET", "https://evil.example"))
        == cors_verdict::refused);
  CHECK(policy.judge(request_from("GET", "null")) == cors_verdict::refused);
  CHECK(policy.judge(request_from("GET", "http://panel.example"))
        == cors_verdict::refused);

  auto preflight = request_from("OPTIONS", "https://panel.example");
  CHECK(policy.judge(preflight) == cors_verdict::allowed);
  preflight.headers.emplace_back("Access-Control-Request-Method", "POST");
  CHECK(policy.judge(preflight) == cors_verdict::preflight);

  cors_policy nobody;
  CHECK(nobody.judge(request_from("GET", "https://panel.example"))
        == cors_verdict::refused);
  CHECK(nobody.judge(request_from("GET", "")) == cors_verdict::same_origin);
}

TEST_CASE("the preflight answer names the origin, methods and headers",
          "[cors]") {
  auto res = openmfd::protocol::preflight_response("https://panel.example");
  CHECK(res.status == 204);
  CHECK(res.body.empty());
  CHECK(header(res, "Access-Control-Allow-Origin") == "https://panel.example");
  CHECK(header(res, "Vary") == "Origin");
  CHECK(header(res, "Access-Control-Allow-Methods") == "GET, POST");
  CHECK(header(res, "Access-Control-Allow-Headers") == "Content-Type");
  CHECK_FALSE(header(res, "Access-Control-Max-Age").empty());
}
