#include "actors/socketio_app.hpp"

#include <set>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <catch2/catch.hpp>

#include "protocol/engineio.hpp"

using namespace openmfd;
using actors::engineio_http_error;

namespace {

boost::json::value body_of(const protocol::http_response& res) {
  return boost::json::parse(res.body);
}

protocol::http_request with_headers(
  std::vector<protocol::header_field> headers) {
  protocol::http_request req;
  req.method = "GET";
  req.target = "/socket.io/?EIO=4&transport=websocket";
  req.headers = std::move(headers);
  return req;
}

boost::json::array args(std::string_view json) {
  return boost::json::parse(json).as_array();
}

} // namespace

TEST_CASE("engine.io errors carry engine.io's codes and texts") {
  struct row {
    engineio_http_error error;
    unsigned status;
    const char* json;
  };
  const row rows[] = {
    {engineio_http_error::unknown_transport, 400,
     R"({"code":0,"message":"Transport unknown"})"},
    {engineio_http_error::unknown_sid, 400,
     R"({"code":1,"message":"Session ID unknown"})"},
    {engineio_http_error::bad_handshake_method, 400,
     R"({"code":2,"message":"Bad handshake method"})"},
    {engineio_http_error::bad_request, 400,
     R"({"code":3,"message":"Bad request"})"},
    {engineio_http_error::forbidden, 403,
     R"({"code":4,"message":"Forbidden"})"},
    {engineio_http_error::unsupported_protocol_version, 400,
     R"({"code":5,"message":"Unsupported protocol version"})"},
  };
  for (const auto& r : rows) {
    auto res = actors::engineio_error(r.error);
    CHECK(res.status == r.status);
    CHECK(res.content_type == "application/json");
    CHECK(body_of(res) == boost::json::parse(r.json));
  }
}

TEST_CASE("query errors map to the engine.io error a client expects") {
  auto error_for = [](std::string_view query) {
    auto parsed = protocol::parse_handshake_query(query);
    REQUIRE_FALSE(parsed.has_value());
    return actors::engineio_error_for(parsed.error());
  };
  CHECK(error_for("transport=polling")
        == engineio_http_error::unsupported_protocol_version);
  CHECK(error_for("EIO=3&transport=polling")
        == engineio_http_error::unsupported_protocol_version);
  CHECK(error_for("EIO=4") == engineio_http_error::unknown_transport);
  CHECK(error_for("EIO=4&transport=flash")
        == engineio_http_error::unknown_transport);
  CHECK(error_for("EIO=4&transport=polling&sid=a%20b")
        == engineio_http_error::unknown_sid);
  CHECK(error_for("EIO=4&transport=polling&EIO=4")
        == engineio_http_error::bad_request);
  CHECK(error_for("EIO=4&transport=polling&token=")
        == engineio_http_error::forbidden);
}

TEST_CASE("a WebSocket request needs both Upgrade and Connection") {
  CHECK(actors::wants_websocket(
    with_headers({{"Upgrade", "websocket"}, {"Connection", "Upgrade"}})));
  CHECK(actors::wants_websocket(with_headers(
    {{"upgrade", "WebSocket"}, {"connection", "keep-alive, Upgrade"}})));
  CHECK_FALSE(
    actors::wants_websocket(with_headers({{"Upgrade", "websocket"}})));
  CHECK_FALSE(
    actors::wants_websocket(with_headers({{"Connection", "Upgrade"}})));
  CHECK_FALSE(actors::wants_websocket(
    with_headers({{"Upgrade", "h2c"}, {"Connection", "Upgrade"}})));
  CHECK_FALSE(actors::wants_websocket(
    with_headers({{"Upgrade", "websocket"}, {"Connection", "Upgraded"}})));
}

TEST_CASE("a WebSocket upgrade needs version 13 and a key") {
  const std::vector<std::pair<std::string, std::string>> upgrade
    = {{"Upgrade", "websocket"}, {"Connection", "Upgrade"}};
  auto with = [&](std::vector<std::pair<std::string, std::string>> extra) {
    auto all = upgrade;
    all.insert(all.end(), extra.begin(), extra.end());
    return actors::valid_websocket_upgrade(with_headers(all));
  };
  const std::pair<std::string, std::string> key{"Sec-WebSocket-Key",
                                                "dGhlIHNhbXBsZSBub25jZQ=="};
  const std::pair<std::string, std::string> v13{"Sec-WebSocket-Version", "13"};
  CHECK(with({key, v13}));
  CHECK_FALSE(with({key}));
  CHECK_FALSE(with({v13}));
  CHECK_FALSE(with({key, {"Sec-WebSocket-Version", "8"}}));
  CHECK_FALSE(with({{"Sec-WebSocket-Key", ""}, v13}));
  CHECK_FALSE(with({{"Sec-WebSocket-Key", std::string(25, 'a')}, v13}));
  CHECK_FALSE(actors::valid_websocket_upgrade(with_headers({key, v13})));
}

TEST_CASE("polling answers look like engine.io's") {
  auto payload = actors::polling_response("0{}");
  CHECK(payload.status == 200);
  CHECK(payload.content_type == "text/plain; charset=UTF-8");
  CHECK(payload.body == "0{}");
  auto ok = actors::polling_ok();
  CHECK(ok.body == "ok");
  CHECK(ok.content_type == "text/html");
}

TEST_CASE("session ids are 20 URL-safe characters and differ") {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    auto id = actors::make_session_id();
    REQUIRE(id.size() == 20);
    CHECK(id.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqr"
                               "stuvwxyz0123456789-_")
          == std::string::npos);
    seen.insert(id);
  }
  CHECK(seen.size() == 100);
}

TEST_CASE("results and what a client without an ack hears") {
  CHECK(boost::json::serialize(actors::ok_result()) == R"({"ok":true})");
  auto failed = actors::error_result("busy");
  CHECK(boost::json::serialize(failed) == R"({"ok":false,"error":"busy"})");
  CHECK(actors::succeeded(actors::ok_result()));
  CHECK_FALSE(actors::succeeded(failed));
  CHECK(actors::message_for("press", failed) == "error: busy");
  CHECK(actors::message_for("whatever", actors::error_result("unknown_event"))
        == "error: unknown_event");
  CHECK(actors::message_for("run_action", actors::ok_result()) == "done");
  CHECK_FALSE(actors::message_for("join_screen", actors::ok_result()));
}

TEST_CASE("screen arguments are read without trusting their shape") {
  CHECK(actors::screen_argument(args(R"([{"screen":"cockpit"}])"))
        == "cockpit");
  CHECK_FALSE(actors::screen_argument(args("[]")));
  CHECK_FALSE(actors::screen_argument(args(R"(["cockpit"])")));
  CHECK_FALSE(actors::screen_argument(args(R"([{"screen":7}])")));
  CHECK(actors::state_argument(args(R"([{"screen":"a","state":{"x":[1]}}])"))
        == R"({"x":[1]})");
  CHECK_FALSE(actors::state_argument(args(R"([{"screen":"a","state":[1]}])")));
  CHECK_FALSE(actors::state_argument(args(R"([{"screen":"a"}])")));
}

TEST_CASE("pushed event payloads") {
  CHECK(boost::json::serialize(actors::token_payload("abc", 900))
        == R"({"token":"abc","expires_in":900})");
  CHECK(boost::json::serialize(
          actors::screen_state_payload("cockpit", R"({"gear":"down"})"))
        == R"({"screen":"cockpit","state":{"gear":"down"}})");
  CHECK(boost::json::serialize(actors::screen_state_payload("x", "not json"))
        == R"({"screen":"x","state":{}})");
  CHECK(actors::parse_object("[1]").empty());
}

TEST_CASE("input arguments are read without trusting their shape") {
  CHECK(actors::text_argument(args(R"([{"name":"a.b"}])"), "name") == "a.b");
  CHECK_FALSE(actors::text_argument(args(R"([{"name":7}])"), "name"));
  CHECK_FALSE(actors::text_argument(args(R"([{"keys":"f"}])"), "name"));
  CHECK_FALSE(actors::text_argument(args(R"(["a.b"])"), "name"));
  CHECK_FALSE(actors::text_argument(args("[]"), "name"));
  CHECK(actors::argument_field(args(R"([{"mode":null}])"), "mode")->is_null());
  CHECK(actors::argument_field(args(R"([{"mode":"tap"}])"), "keys")
        == nullptr);
  CHECK(actors::argument_field(args(R"([3])"), "mode") == nullptr);
}

TEST_CASE("a ts is a JavaScript millisecond clock reading or malformed") {
  auto ts = [](std::string_view json) {
    return actors::timestamp_argument(args(json));
  };
  CHECK(ts(R"([{"ts":1700000000123}])").ms == 1700000000123);
  CHECK(ts(R"([{"ts":12.9}])").ms == 12);
  CHECK(ts(R"([{"ts":0}])").ms == 0);
  CHECK(ts(R"([{"ts":9007199254740992}])").ms == 9007199254740992);
  for (auto bad : {R"([{"ts":-1}])", R"([{"ts":"1"}])", R"([{"ts":null}])",
                   R"([{"ts":9007199254740993000}])", R"([{"ts":1e300}])",
                   R"([{"ts":18446744073709551615}])"}) {
    INFO(bad);
    CHECK(ts(bad).malformed);
    CHECK_FALSE(ts(bad).ms);
  }
  auto absent = ts(R"([{"name":"x"}])");
  CHECK_FALSE(absent.malformed);
  CHECK_FALSE(absent.ms);
  CHECK_FALSE(actors::timestamp_field(nullptr).ms);
}

TEST_CASE("the client clock measures lateness against the fastest delivery") {
  using std::chrono::milliseconds;
  actors::client_clock clock;
  CHECK_FALSE(clock.known());
  CHECK(clock.lateness(0, 1'000'000) == milliseconds{0}); // cannot judge
  // The client's clock is 5000 ms ahead of ours; CONNECT took 30 ms.
  clock.observe(105'000, 100'030);
  CHECK(clock.known());
  CHECK(clock.lateness(106'000, 101'030) == milliseconds{0});
  CHECK(clock.lateness(106'000, 101'050) == milliseconds{20});
  // Buffered while disconnected: stamped at 106 s, arrives 2.5 s later.
  CHECK(clock.lateness(106'000, 103'530) == milliseconds{2'500});
  // A faster delivery than the CONNECT's becomes the new baseline...
  clock.observe(107'000, 102'010);
  CHECK(clock.lateness(108'000, 103'010) == milliseconds{0});
  CHECK(clock.lateness(108'000, 103'030) == milliseconds{20});
  // ...a slower one does not move it.
  clock.observe(109'000, 109'000);
  CHECK(clock.lateness(110'000, 105'030) == milliseconds{20});
  // An event stamped in the future is not late.
  CHECK(clock.lateness(200'000, 105'000) == milliseconds{0});
}

TEST_CASE("the key_released payload") {
  CHECK(boost::json::serialize(actors::key_released_payload("x", "max_hold"))
        == R"({"keys":"x","reason":"max_hold"})");
}
