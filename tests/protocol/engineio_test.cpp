#include "protocol/engineio.hpp"

#include <functional>
#include <set>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "tests/support/protocol_helpers.hpp"

using namespace openmfd::protocol;
using namespace std::string_literals;

namespace {

constexpr std::size_t max_payload = 1000;

constexpr engineio_errc first_errc = engineio_errc::empty_payload;
constexpr engineio_errc last_errc = engineio_errc::bad_token;

engineio_packet text(engineio_packet_type type, std::string data = {}) {
  return {type, std::move(data), false};
}

std::error_code payload_error(std::string_view body,
                              std::size_t limit = max_payload) {
  auto r = decode_payload(body, limit);
  return r ? std::error_code{} : r.error();
}

std::error_code frame_error(std::string_view frame, bool binary = false,
                            std::size_t limit = max_payload) {
  auto r = decode_packet(frame, binary, limit);
  return r ? std::error_code{} : r.error();
}

std::error_code open_error(std::string_view json) {
  auto r = parse_open_json(json);
  return r ? std::error_code{} : r.error();
}

std::error_code query_error(std::string_view query) {
  auto r = parse_handshake_query(query);
  return r ? std::error_code{} : r.error();
}

} // namespace

TEST_CASE("engineio text frames decode to packets", "[engineio]") {
  struct row {
    std::string frame;
    engineio_packet expected;
  };
  const std::vector<row> rows = {
    {"0{\"sid\":\"x\"}", text(engineio_packet_type::open, "{\"sid\":\"x\"}")},
    {"1", text(engineio_packet_type::close)},
    {"2", text(engineio_packet_type::ping)},
    {"2probe", text(engineio_packet_type::ping, "probe")},
    {"3probe", text(engineio_packet_type::pong, "probe")},
    {"4hello", make_text_message("hello")},
    {"4", make_text_message("")},
    {"5", text(engineio_packet_type::upgrade)},
    {"6", text(engineio_packet_type::noop)},
    {"bAQIDBA==", make_binary_message("\x01\x02\x03\x04")},
    {"b", make_binary_message("")},
  };
  for (const auto& r : rows) {
    INFO("frame: " << r.frame);
    auto packet = decode_packet(r.frame, false, max_payload);
    REQUIRE(packet.has_value());
    CHECK(*packet == r.expected);
  }
}

TEST_CASE("engineio binary frames are binary messages", "[engineio]") {
  auto raw = "\x00\x01\xff"s;
  auto packet = decode_packet(raw, true, max_payload);
  REQUIRE(packet.has_value());
  CHECK(*packet == make_binary_message(raw));
  // Over WebSocket a binary message goes out as the raw bytes.
  CHECK(encode_packet(*packet) == raw);
}

TEST_CASE("engineio packets encode to frames", "[engineio]") {
  CHECK(encode_packet(text(engineio_packet_type::ping, "probe")) == "2probe");
  CHECK(encode_packet(text(engineio_packet_type::pong, "probe")) == "3probe");
  CHECK(encode_packet(text(engineio_packet_type::upgrade)) == "5");
  CHECK(encode_packet(text(engineio_packet_type::noop)) == "6");
  CHECK(encode_packet(make_text_message("hello")) == "4hello");
}

TEST_CASE("engineio polling payload from the protocol docs", "[engineio]") {
  // engine.io-protocol v4: "4hello\x1e4€\x1ebAQIDBA==" is the text "hello",
  // the text "€" and the bytes 01 02 03 04.
  const auto wire = "4hello\x1e"
                    "4\xe2\x82\xac\x1e"
                    "bAQIDBA=="s;
  const std::vector<engineio_packet> packets
    = {make_text_message("hello"), make_text_message("\xe2\x82\xac"),
       make_binary_message("\x01\x02\x03\x04")};

  auto decoded = decode_payload(wire, max_payload);
  REQUIRE(decoded.has_value());
  CHECK(*decoded == packets);

  auto encoded = encode_payload(packets);
  REQUIRE(encoded.has_value());
  CHECK(*encoded == wire);
}

TEST_CASE("engineio payload of one packet has no separator", "[engineio]") {
  auto encoded = encode_payload({text(engineio_packet_type::noop)});
  REQUIRE(encoded.has_value());
  CHECK(*encoded == "6");
  CHECK(encode_payload({}).value() == "");
}

TEST_CASE("engineio base64 round-trips every tail length", "[engineio]") {
  const std::vector<std::pair<std::string, std::string>> known = {
    {"", ""},
    {"f", "Zg=="},
    {"fo", "Zm8="},
    {"foo", "Zm9v"},
    {"foob", "Zm9vYg=="},
    {"fooba", "Zm9vYmE="},
    {"foobar", "Zm9vYmFy"},
    {"\xff\xfe\xfd", "//79"},
  };
  for (const auto& [bytes, b64] : known) {
    INFO("bytes: " << bytes);
    auto encoded = encode_payload({make_binary_message(bytes)});
    REQUIRE(encoded.has_value());
    CHECK(*encoded == "b" + b64);
    auto decoded = decode_payload(*encoded, max_payload);
    REQUIRE(decoded.has_value());
    CHECK(decoded->at(0) == make_binary_message(bytes));
  }
}

TEST_CASE("engineio open packet JSON has the exact keys in order",
          "[engineio]") {
  engineio_open open{
    "lv_VI97HAXpY6yYWAAAC", {"websocket"}, 25000, 20000, 1000000};
  const auto json = "{\"sid\":\"lv_VI97HAXpY6yYWAAAC\","
                    "\"upgrades\":[\"websocket\"],\"pingInterval\":25000,"
                    "\"pingTimeout\":20000,\"maxPayload\":1000000}"s;
  CHECK(encode_open_json(open) == json);
  CHECK(encode_packet(make_open_packet(open)) == "0" + json);

  auto parsed = parse_open_json(json);
  REQUIRE(parsed.has_value());
  CHECK(*parsed == open);

  open.upgrades.clear();
  CHECK(encode_open_json(open).find("\"upgrades\":[]") != std::string::npos);
}

TEST_CASE("engineio handshake query", "[engineio]") {
  SECTION("first polling request with a token") {
    auto q = parse_handshake_query("EIO=4&transport=polling&t=N8hyd6w"
                                   "&token=ab%2Bc%3D");
    REQUIRE(q.has_value());
    CHECK(q->transport == engineio_transport::polling);
    CHECK_FALSE(q->sid.has_value());
    REQUIRE(q->token.has_value());
    CHECK(*q->token == "ab+c=");
  }
  SECTION("upgrade request for a session") {
    auto q = parse_handshake_query(
      "sid=lv_VI97HAXpY6yYWAAAC&transport=websocket&EIO=4");
    REQUIRE(q.has_value());
    CHECK(q->transport == engineio_transport::websocket);
    REQUIRE(q->sid.has_value());
    CHECK(*q->sid == "lv_VI97HAXpY6yYWAAAC");
    CHECK_FALSE(q->token.has_value());
  }
  SECTION("a literal plus stays a plus") {
    auto q = parse_handshake_query("EIO=4&transport=polling&token=a+b");
    REQUIRE(q.has_value());
    CHECK(*q->token == "a+b");
  }
}

TEST_CASE("engineio errors: every code is reached by some input",
          "[engineio]") {
  struct row {
    std::string what;
    std::function<std::error_code()> run;
    engineio_errc expected;
  };
  const auto big = std::string(max_payload + 1, '4');
  const auto long_sid = std::string(65, 'a');
  const auto long_token = std::string(513, 'a');
  const std::vector<row> rows = {
    {"empty body", [] { return payload_error(""); },
     engineio_errc::empty_payload},
    {"empty text frame", [] { return frame_error(""); },
     engineio_errc::empty_packet},
    {"empty packet between separators",
     [] {
       return payload_error("4a\x1e\x1e"
                            "4b");
     },
     engineio_errc::empty_packet},
    {"trailing separator", [] { return payload_error("4a\x1e"); },
     engineio_errc::empty_packet},
    {"type 7", [] { return frame_error("7"); },
     engineio_errc::unknown_packet_type},
    {"type letter", [] { return payload_error("4a\x1ex"); },
     engineio_errc::unknown_packet_type},
    {"base64 not a multiple of 4", [] { return frame_error("bAQ="); },
     engineio_errc::bad_base64},
    {"base64 bad character", [] { return payload_error("bAQ!D"); },
     engineio_errc::bad_base64},
    {"base64 three pads", [] { return frame_error("bA==="); },
     engineio_errc::bad_base64},
    {"base64 pad inside", [] { return frame_error("bA=AA"); },
     engineio_errc::bad_base64},
    {"body over limit", [&] { return payload_error(big); },
     engineio_errc::payload_too_large},
    {"text frame over limit", [&] { return frame_error(big); },
     engineio_errc::payload_too_large},
    {"binary frame over limit", [&] { return frame_error(big, true); },
     engineio_errc::payload_too_large},
    {"separator in text",
     [] {
       auto r = encode_payload({make_text_message("a\x1e"
                                                  "b")});
       return r ? std::error_code{} : r.error();
     },
     engineio_errc::separator_in_text},
    {"open not JSON", [] { return open_error("{"); },
     engineio_errc::bad_open_packet},
    {"open not an object", [] { return open_error("[]"); },
     engineio_errc::bad_open_packet},
    {"open without sid",
     [] {
       return open_error("{\"upgrades\":[],\"pingInterval\":1,"
                         "\"pingTimeout\":1,\"maxPayload\":1}");
     },
     engineio_errc::bad_open_packet},
    {"open with a negative interval",
     [] {
       return open_error("{\"sid\":\"a\",\"upgrades\":[],\"pingInterval\":-1,"
                         "\"pingTimeout\":1,\"maxPayload\":1}");
     },
     engineio_errc::bad_open_packet},
    {"open with a non-string upgrade",
     [] {
       return open_error("{\"sid\":\"a\",\"upgrades\":[1],\"pingInterval\":1,"
                         "\"pingTimeout\":1,\"maxPayload\":1}");
     },
     engineio_errc::bad_open_packet},
    {"no EIO", [] { return query_error("transport=polling"); },
     engineio_errc::missing_protocol_version},
    {"EIO=3", [] { return query_error("EIO=3&transport=polling"); },
     engineio_errc::unsupported_protocol_version},
    {"EIO=44", [] { return query_error("EIO=44&transport=polling"); },
     engineio_errc::unsupported_protocol_version},
    {"no transport", [] { return query_error("EIO=4"); },
     engineio_errc::missing_transport},
    {"flashsocket", [] { return query_error("EIO=4&transport=flashsocket"); },
     engineio_errc::unknown_transport},
    {"two EIO", [] { return query_error("EIO=4&EIO=4&transport=polling"); },
     engineio_errc::duplicate_parameter},
    {"two tokens",
     [] { return query_error("EIO=4&transport=polling&token=a&token=b"); },
     engineio_errc::duplicate_parameter},
    {"bad escape",
     [] { return query_error("EIO=4&transport=polling&token=%zz"); },
     engineio_errc::bad_percent_encoding},
    {"cut escape",
     [] { return query_error("EIO=4&transport=polling&token=a%4"); },
     engineio_errc::bad_percent_encoding},
    {"empty sid", [] { return query_error("EIO=4&transport=polling&sid="); },
     engineio_errc::bad_sid},
    {"sid with a dot",
     [] { return query_error("EIO=4&transport=polling&sid=a.b"); },
     engineio_errc::bad_sid},
    {"sid too long",
     [&] { return query_error("EIO=4&transport=polling&sid=" + long_sid); },
     engineio_errc::bad_sid},
    {"empty token", [] { return query_error("EIO=4&transport=polling&token"); },
     engineio_errc::bad_token},
    {"token with a control character",
     [] { return query_error("EIO=4&transport=polling&token=a%0Ab"); },
     engineio_errc::bad_token},
    {"token too long",
     [&] { return query_error("EIO=4&transport=polling&token=" + long_token); },
     engineio_errc::bad_token},
  };

  openmfd::test::check_error_table(rows, first_errc, last_errc);
}

TEST_CASE("engineio error codes carry their wire names", "[engineio]") {
  std::set<std::string> names;
  for (int e = static_cast<int>(first_errc); e <= static_cast<int>(last_errc);
       ++e) {
    std::error_code ec = static_cast<engineio_errc>(e);
    CHECK(std::string{ec.category().name()} == "engineio");
    CHECK(ec.message() == to_string(static_cast<engineio_errc>(e)));
    CHECK_FALSE(ec.message().empty());
    names.insert(ec.message());
  }
  CHECK(names.size() == static_cast<std::size_t>(last_errc));
  CHECK(std::error_code{engineio_errc::bad_base64}.message() == "bad_base64");
}

TEST_CASE("engineio limits are inclusive", "[engineio]") {
  const auto exact = std::string(max_payload, 'a');
  CHECK(payload_error("4" + exact.substr(1)) == std::error_code{});
  CHECK(frame_error(exact, true) == std::error_code{});
}
