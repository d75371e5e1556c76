#include "tools/loadtest/wire.hpp"

#include <boost/json/object.hpp>
#include <catch2/catch.hpp>

using namespace openmfd::loadtest;
namespace json = boost::json;

namespace {

json::array name_argument(std::string_view name) {
  json::object object;
  object["name"] = name;
  return json::array{std::move(object)};
}

} // namespace

TEST_CASE("CONNECT carries the token as the auth payload") {
  CHECK(connect_frame("abc") == R"(40{"token":"abc"})");
}

TEST_CASE("a repeated event matches the codec's encoding for every id") {
  repeated_event event{"run_action", name_argument("generic.enter")};
  std::string out = "stale";
  event.write(7, out);
  CHECK(out == R"(427["run_action",{"name":"generic.enter"}])");
  for (std::uint64_t id : {0ull, 12345ull, 999'999'999'999'999ull}) {
    event.write(id, out);
    CHECK(out == event_frame("run_action", name_argument("generic.enter"), id));
  }
}

TEST_CASE("received frames are classified") {
  SECTION("Engine.IO open") {
    auto in = parse_inbound(
      R"(0{"sid":"abc","upgrades":[],"pingInterval":25000,)"
      R"("pingTimeout":20000,"maxPayload":1000000})");
    REQUIRE(in.kind == inbound_kind::open);
    CHECK(in.open->sid == "abc");
    CHECK(in.open->ping_interval_ms == 25000);
  }
  SECTION("Engine.IO ping, close and noop") {
    CHECK(parse_inbound("2").kind == inbound_kind::ping);
    CHECK(parse_inbound("1").kind == inbound_kind::close);
    CHECK(parse_inbound("6").kind == inbound_kind::other);
  }
  SECTION("Socket.IO CONNECT reply and refusal") {
    CHECK(parse_inbound(R"(40{"sid":"x"})").kind == inbound_kind::connected);
    auto refused = parse_inbound(R"(44{"message":"unauthorized"})");
    CHECK(refused.kind == inbound_kind::connect_refused);
    CHECK(refused.text == "unauthorized");
    CHECK(parse_inbound("41").kind == inbound_kind::disconnect);
  }
  SECTION("acks carry their id and result") {
    auto ok = parse_inbound(R"(437[{"ok":true}])");
    CHECK(ok.kind == inbound_kind::ack);
    CHECK(ok.ack_id == 7);
    CHECK(ok.ok);
    auto failed = parse_inbound(R"(43123[{"ok":false,"error":"busy"}])");
    CHECK(failed.ack_id == 123);
    CHECK_FALSE(failed.ok);
    CHECK(failed.text == "busy");
  }
  SECTION("events carry their name and arguments") {
    auto in = parse_inbound(
      R"(42["screen_state",{"screen":"s","state":{"t":123}}])");
    CHECK(in.kind == inbound_kind::event);
    CHECK(in.text == "screen_state");
    CHECK(screen_state_stamp(in) == 123u);
  }
  SECTION("garbage is malformed, not a crash") {
    for (auto frame : {"", "x", "42[", "4{", "43[{\"ok\":true}]", "b!!"})
      CHECK(parse_inbound(frame).kind == inbound_kind::malformed);
  }
}

TEST_CASE("a screen state frame's stamp survives the round trip") {
  auto frame = screen_state_frame("cockpit", 987654321, 3);
  CHECK(frame.rfind("423[\"set_screen_state\",", 0) == 0);
  auto in = parse_inbound(frame);
  REQUIRE(in.kind == inbound_kind::event);
  CHECK(screen_state_stamp(in) == 987654321u);
}

TEST_CASE("an event without a stamp has none") {
  CHECK_FALSE(screen_state_stamp(parse_inbound(R"(42["screen_state"])")));
  CHECK_FALSE(screen_state_stamp(
    parse_inbound(R"(42["screen_state",{"state":{"t":-1}}])")));
  CHECK_FALSE(
    screen_state_stamp(parse_inbound(R"(42["screen_state",{"state":1}])")));
}

TEST_CASE("acks are matched to their requests by id") {
  ack_tracker acks{4};
  CHECK(acks.issue(10) == 0u);
  CHECK(acks.issue(20) == 1u);
  CHECK(acks.issue(30) == 2u);
  CHECK(acks.outstanding() == 3);
  CHECK(acks.settle(1)->sent == 20u);
  CHECK_FALSE(acks.settle(1)); // answered twice
  CHECK_FALSE(acks.settle(99)); // never asked
  CHECK(acks.settle(0)->sent == 10u);
  CHECK(acks.settle(2)->sent == 30u);
  CHECK(acks.outstanding() == 0);
}

TEST_CASE("an expired request was issued but is no longer outstanding") {
  ack_tracker acks{4};
  auto id = acks.issue(10);
  REQUIRE(id);
  CHECK(acks.expire(11) == 1);
  CHECK_FALSE(acks.settle(*id));
  CHECK(acks.issued(*id));
  CHECK_FALSE(acks.issued(*id + 1));
}

TEST_CASE("a request's note comes back with its ack") {
  ack_tracker acks{4};
  auto first = acks.issue(10, 9);
  auto second = acks.issue(20, 4);
  REQUIRE(first);
  REQUIRE(second);
  CHECK(acks.settle(*second)->note == 4u);
  CHECK(acks.settle(*first)->note == 9u);
}

TEST_CASE("no more than the capacity is outstanding") {
  ack_tracker acks{2};
  CHECK(acks.issue(1) == 0u);
  CHECK(acks.issue(2) == 1u);
  CHECK_FALSE(acks.issue(3));
  CHECK(acks.settle(1));
  CHECK_FALSE(acks.issue(3)); // id 0 still holds the slot id 2 would take
  CHECK(acks.settle(0));
  CHECK(acks.issue(4) == 2u);
  CHECK(acks.issue(5) == 3u);
}

TEST_CASE("reused slots do not answer for old ids") {
  ack_tracker acks{2};
  for (std::uint64_t id = 0; id < 10; ++id) {
    REQUIRE(acks.issue(id) == id);
    REQUIRE(acks.settle(id)->sent == id);
  }
  CHECK(acks.issue(100) == 10u);
  CHECK_FALSE(acks.settle(8)); // same slot as 10, long settled
  CHECK(acks.settle(10)->sent == 100u);
}

TEST_CASE("overdue requests expire, younger ones stay") {
  ack_tracker acks{8};
  acks.issue(10);
  acks.issue(20);
  acks.issue(30);
  CHECK(acks.settle(1)->sent == 20u);
  CHECK(acks.expire(25) == 1);
  CHECK_FALSE(acks.settle(0));
  CHECK(acks.outstanding() == 1);
  CHECK(acks.expire(25) == 0);
  CHECK(acks.settle(2)->sent == 30u);
}
