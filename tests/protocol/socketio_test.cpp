#include "protocol/socketio.hpp"

#include <functional>
#include <set>
#include <string>
#include <vector>

#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>

#include "tests/support/protocol_helpers.hpp"

#include "protocol/engineio.hpp"

using namespace openmfd::protocol;
using namespace std::string_literals;
namespace json = boost::json;

namespace {

constexpr socketio_errc first_errc = socketio_errc::empty_packet;
constexpr socketio_errc last_errc = socketio_errc::expected_attachment;

socketio_packet packet(socketio_packet_type type, std::string nsp,
                       std::optional<std::uint64_t> id,
                       std::optional<std::string> data_json,
                       std::size_t attachments = 0) {
  std::optional<json::value> data;
  if (data_json)
    data = json::parse(*data_json);
  return {type, std::move(nsp), id, std::move(data), attachments};
}

std::error_code decode_error(std::string_view text,
                             const socketio_limits& limits = {}) {
  auto r = decode_socketio(text, limits);
  return r ? std::error_code{} : r.error();
}

/// Feeds `text` and then `attachments` to a fresh reassembler; the first error.
std::error_code reassembly_error(std::string_view text,
                                 const std::vector<std::string>& attachments,
                                 const socketio_limits& limits = {}) {
  socketio_reassembler reassembler{limits};
  auto first = reassembler.on_text(text);
  if (!first)
    return first.error();
  for (const auto& bytes : attachments) {
    auto step = reassembler.on_binary(bytes);
    if (!step)
      return step.error();
  }
  return {};
}

std::string nested_arrays(std::size_t depth) {
  return "2[\"ev\"," + std::string(depth, '[') + std::string(depth, ']') + "]";
}

} // namespace

TEST_CASE("socketio decodes the protocol docs' examples", "[socketio]") {
  using t = socketio_packet_type;
  struct row {
    std::string wire;
    socketio_packet expected;
  };
  const std::vector<row> rows = {
    {"0", packet(t::connect, "/", {}, {})},
    {"0/admin,", packet(t::connect, "/admin", {}, {})},
    {"0{\"token\":\"123\"}",
     packet(t::connect, "/", {}, "{\"token\":\"123\"}")},
    {"0/admin,{\"token\":\"123\"}",
     packet(t::connect, "/admin", {}, "{\"token\":\"123\"}")},
    {"0{\"sid\":\"oSO0OpakMV_3jnilAAAA\"}",
     packet(t::connect, "/", {}, "{\"sid\":\"oSO0OpakMV_3jnilAAAA\"}")},
    {"1", packet(t::disconnect, "/", {}, {})},
    {"1/admin,", packet(t::disconnect, "/admin", {}, {})},
    {"2[\"hello\",1]", packet(t::event, "/", {}, "[\"hello\",1]")},
    {"2/admin,456[\"project:delete\",123]",
     packet(t::event, "/admin", 456, "[\"project:delete\",123]")},
    {"212[\"ev\"]", packet(t::event, "/", 12, "[\"ev\"]")},
    {"3/admin,456[]", packet(t::ack, "/admin", 456, "[]")},
    {"30[{\"ok\":true}]", packet(t::ack, "/", 0, "[{\"ok\":true}]")},
    {"4{\"message\":\"Not authorized\"}",
     packet(t::connect_error, "/", {}, "{\"message\":\"Not authorized\"}")},
    {"51-[\"hello\",{\"_placeholder\":true,\"num\":0}]",
     packet(t::binary_event, "/", {},
            "[\"hello\",{\"_placeholder\":true,\"num\":0}]", 1)},
    {"61-/admin,456[{\"_placeholder\":true,\"num\":0}]",
     packet(t::binary_ack, "/admin", 456, "[{\"_placeholder\":true,\"num\":0}]",
            1)},
  };
  for (const auto& r : rows) {
    INFO("wire: " << r.wire);
    auto decoded = decode_socketio(r.wire);
    REQUIRE(decoded.has_value());
    CHECK(*decoded == r.expected);
    // These are all in canonical form, so they re-encode byte for byte.
    CHECK(encode_socketio(*decoded) == r.wire);
  }
}

TEST_CASE("socketio non-canonical forms decode and re-encode canonically",
          "[socketio]") {
  struct row {
    std::string wire;
    std::string canonical;
  };
  const std::vector<row> rows = {
    {"0/admin", "0/admin,"},          // namespace to the end, no comma
    {"2/,[\"a\"]", "2[\"a\"]"},       // the default namespace spelled out
    {"2007[\"a\"]", "27[\"a\"]"},     // leading zeros in the ack id
    {"2[ \"a\" , 1 ]", "2[\"a\",1]"}, // whitespace in the JSON
    {"50-[\"a\"]", "50-[\"a\"]"},     // a binary event without attachments
  };
  for (const auto& r : rows) {
    INFO("wire: " << r.wire);
    auto decoded = decode_socketio(r.wire);
    REQUIRE(decoded.has_value());
    CHECK(encode_socketio(*decoded) == r.canonical);
  }
}

TEST_CASE("socketio inside engineio: 451-[...] from the docs", "[socketio]") {
  auto eio = decode_packet("451-[\"hello\",{\"_placeholder\":true,\"num\":0}]",
                           false, 1000);
  REQUIRE(eio.has_value());
  CHECK(eio->type == engineio_packet_type::message);
  auto sio = decode_socketio(eio->data);
  REQUIRE(sio.has_value());
  CHECK(sio->type == socketio_packet_type::binary_event);
  CHECK(sio->attachments == 1);
}

TEST_CASE("socketio encoders write the server's packets", "[socketio]") {
  CHECK(encode_connect_reply("oSO0OpakMV_3jnilAAAA")
        == "0{\"sid\":\"oSO0OpakMV_3jnilAAAA\"}");
  CHECK(encode_connect_reply("x", "/admin") == "0/admin,{\"sid\":\"x\"}");
  CHECK(encode_connect_error("unauthorized")
        == "4{\"message\":\"unauthorized\"}");
  CHECK(encode_connect_error("unauthorized", "/admin")
        == "4/admin,{\"message\":\"unauthorized\"}");
  CHECK(encode_connect_error("say \"no\"") == R"(4{"message":"say \"no\""})");
  CHECK(encode_disconnect() == "1");
  CHECK(encode_disconnect("/admin") == "1/admin,");
  CHECK(encode_connect() == "0");
  CHECK(encode_connect(json::object{{"token", "abc"}})
        == "0{\"token\":\"abc\"}");
  CHECK(encode_event("hello", json::array{1}) == "2[\"hello\",1]");
  CHECK(encode_event("message", json::array{"done"})
        == "2[\"message\",\"done\"]");
  CHECK(encode_event("project:delete", json::array{123}, 456, "/admin")
        == "2/admin,456[\"project:delete\",123]");
  CHECK(encode_event("ping", {}, 0) == "20[\"ping\"]");
  CHECK(encode_ack(456, {}, "/admin") == "3/admin,456[]");
}

TEST_CASE("socketio ack payloads keep key order", "[socketio]") {
  json::object reply;
  reply["ok"] = false;
  reply["error"] = "unknown_action";
  CHECK(encode_ack(7, json::array{reply})
        == "37[{\"ok\":false,\"error\":\"unknown_action\"}]");
  json::object token;
  token["token"] = "t";
  token["expires_in"] = 900;
  CHECK(encode_event("token", json::array{token})
        == "2[\"token\",{\"token\":\"t\",\"expires_in\":900}]");
}

TEST_CASE("socketio binary encoders and placeholders", "[socketio]") {
  auto event = encode_binary_event("hello", json::array{make_placeholder(0)},
                                   {"\x01\x02\x03"s});
  CHECK(event.text == "51-[\"hello\",{\"_placeholder\":true,\"num\":0}]");
  REQUIRE(event.attachments.size() == 1);
  CHECK(event.attachments[0] == "\x01\x02\x03");

  auto ack
    = encode_binary_ack(456, json::array{make_placeholder(0)}, {"x"}, "/admin");
  CHECK(ack.text == "61-/admin,456[{\"_placeholder\":true,\"num\":0}]");

  CHECK(placeholder_index(make_placeholder(3))
        == std::optional<std::size_t>{3});
  CHECK_FALSE(placeholder_index(json::parse("{\"num\":0}")).has_value());
  CHECK_FALSE(placeholder_index(json::parse("[0]")).has_value());
  CHECK_FALSE(
    placeholder_index(json::parse("{\"_placeholder\":true,\"num\":-1}"))
      .has_value());
}

TEST_CASE("socketio reassembler substitutes attachments", "[socketio]") {
  socketio_reassembler reassembler;

  SECTION("two attachments, referenced out of order") {
    auto start = reassembler.on_text(
      "52-[\"upload\",{\"b\":{\"_placeholder\":true,\"num\":1}},"
      "{\"_placeholder\":true,\"num\":0}]");
    REQUIRE(start.has_value());
    CHECK_FALSE(start->has_value());
    CHECK(reassembler.awaiting_attachments());

    auto middle = reassembler.on_binary("first");
    REQUIRE(middle.has_value());
    CHECK_FALSE(middle->has_value());

    auto done = reassembler.on_binary("second");
    REQUIRE(done.has_value());
    REQUIRE(done->has_value());
    CHECK_FALSE(reassembler.awaiting_attachments());

    const auto& message = **done;
    const auto& args = message.packet.data->get_array();
    const auto* nested = message.attachment(args[1].get_object().at("b"));
    REQUIRE(nested != nullptr);
    CHECK(*nested == "second");
    const auto* last = message.attachment(args[2]);
    REQUIRE(last != nullptr);
    CHECK(*last == "first");
    CHECK(message.attachment(args[0]) == nullptr);
  }
  SECTION("plain packets pass straight through") {
    auto done = reassembler.on_text("2[\"press\",{\"keys\":\"lalt+f\"}]");
    REQUIRE(done.has_value());
    REQUIRE(done->has_value());
    CHECK((*done)->attachments.empty());
  }
  SECTION("a binary packet without attachments completes at once") {
    auto done = reassembler.on_text("50-[\"a\"]");
    REQUIRE(done.has_value());
    CHECK(done->has_value());
  }
  SECTION("an error leaves it ready for the next packet") {
    REQUIRE(reassembler.on_text("51-[\"a\"]").has_value());
    CHECK_FALSE(reassembler.on_text("2[\"b\"]").has_value());
    CHECK_FALSE(reassembler.awaiting_attachments());
    auto next = reassembler.on_text("2[\"b\"]");
    REQUIRE(next.has_value());
    CHECK(next->has_value());
  }
  SECTION("reset drops a partial message") {
    REQUIRE(reassembler.on_text("51-[\"a\"]").has_value());
    reassembler.reset();
    CHECK_FALSE(reassembler.awaiting_attachments());
    CHECK_FALSE(reassembler.on_binary("x").has_value());
  }
}

TEST_CASE("socketio placeholders in plain events are plain JSON",
          "[socketio]") {
  // Only binary packets have attachments to point at.
  CHECK(decode_error("2[\"a\",{\"_placeholder\":true,\"num\":9}]")
        == std::error_code{});
}

TEST_CASE("socketio errors: every code is reached by some input",
          "[socketio]") {
  struct row {
    std::string what;
    std::function<std::error_code()> run;
    socketio_errc expected;
  };
  socketio_limits small;
  small.max_attachments = 2;
  small.max_attachment_size = 4;
  const auto long_nsp = "2/" + std::string(130, 'a') + ",[\"a\"]";
  const auto deep = nested_arrays(32); // 33 levels
  const std::vector<row> rows = {
    {"empty", [] { return decode_error(""); }, socketio_errc::empty_packet},
    {"type 7", [] { return decode_error("7[\"a\"]"); },
     socketio_errc::unknown_packet_type},
    {"type letter", [] { return decode_error("x"); },
     socketio_errc::unknown_packet_type},
    {"binary without count", [] { return decode_error("5[\"a\"]"); },
     socketio_errc::bad_attachment_count},
    {"count without dash", [] { return decode_error("51[\"a\"]"); },
     socketio_errc::bad_attachment_count},
    {"count at the end", [] { return decode_error("51"); },
     socketio_errc::bad_attachment_count},
    {"count with 7 digits", [] { return decode_error("61234567-1[]"); },
     socketio_errc::bad_attachment_count},
    {"count over the limit", [&] { return decode_error("53-[\"a\"]", small); },
     socketio_errc::too_many_attachments},
    {"count over the default limit", [] { return decode_error("517-[\"a\"]"); },
     socketio_errc::too_many_attachments},
    {"namespace without comma", [] { return decode_error("2/admin[\"a\"]"); },
     socketio_errc::bad_namespace},
    {"namespace with a space", [] { return decode_error("2/a b,[\"a\"]"); },
     socketio_errc::bad_namespace},
    {"namespace too long", [&] { return decode_error(long_nsp); },
     socketio_errc::bad_namespace},
    {"ack id of 16 digits",
     [] { return decode_error("21234567890123456[\"a\"]"); },
     socketio_errc::bad_ack_id},
    {"ACK without id", [] { return decode_error("3[]"); },
     socketio_errc::missing_ack_id},
    {"BINARY_ACK without id", [] { return decode_error("60-[]"); },
     socketio_errc::missing_ack_id},
    {"CONNECT with id", [] { return decode_error("01{}"); },
     socketio_errc::unexpected_ack_id},
    {"DISCONNECT with id", [] { return decode_error("11"); },
     socketio_errc::unexpected_ack_id},
    {"CONNECT_ERROR with id",
     [] { return decode_error("41{\"message\":\"x\"}"); },
     socketio_errc::unexpected_ack_id},
    {"unterminated JSON", [] { return decode_error("2[\"a\""); },
     socketio_errc::bad_json},
    {"garbage after JSON", [] { return decode_error("2[\"a\"]x"); },
     socketio_errc::bad_json},
    {"invalid UTF-8", [] { return decode_error("2[\"\xff\"]"); },
     socketio_errc::bad_json},
    {"number beyond double range",
     [] { return decode_error("2[\"a\",1e400]"); }, socketio_errc::bad_json},
    {"infinity in a nested object",
     [] { return decode_error("2[\"a\",{\"b\":[-1e999]}]"); },
     socketio_errc::bad_json},
    {"JSON too deep", [&] { return decode_error(deep); },
     socketio_errc::json_too_deep},
    {"EVENT without payload", [] { return decode_error("2"); },
     socketio_errc::missing_payload},
    {"ACK without payload", [] { return decode_error("31"); },
     socketio_errc::missing_payload},
    {"CONNECT_ERROR without payload", [] { return decode_error("4"); },
     socketio_errc::missing_payload},
    {"DISCONNECT with payload", [] { return decode_error("1{}"); },
     socketio_errc::unexpected_payload},
    {"CONNECT with an array", [] { return decode_error("0[]"); },
     socketio_errc::payload_not_object},
    {"CONNECT with null", [] { return decode_error("0null"); },
     socketio_errc::payload_not_object},
    {"CONNECT_ERROR with a string", [] { return decode_error("4\"no\""); },
     socketio_errc::payload_not_object},
    {"EVENT with an object", [] { return decode_error("2{}"); },
     socketio_errc::payload_not_array},
    {"ACK with a number", [] { return decode_error("31 5"); },
     socketio_errc::payload_not_array},
    {"EVENT with an empty array", [] { return decode_error("2[]"); },
     socketio_errc::missing_event_name},
    {"EVENT named by a number", [] { return decode_error("2[1]"); },
     socketio_errc::missing_event_name},
    {"EVENT named connect", [] { return decode_error("2[\"connect\"]"); },
     socketio_errc::reserved_event_name},
    {"EVENT named disconnecting",
     [] { return decode_error("2[\"disconnecting\",1]"); },
     socketio_errc::reserved_event_name},
    {"placeholder beyond the count",
     [] {
       return decode_error("51-[\"a\",{\"_placeholder\":true,\"num\":1}]");
     },
     socketio_errc::bad_placeholder},
    {"placeholder with a negative num",
     [] {
       return decode_error("51-[\"a\",{\"_placeholder\":true,\"num\":-1}]");
     },
     socketio_errc::bad_placeholder},
    {"placeholder with a string num",
     [] {
       return decode_error("51-[\"a\",{\"_placeholder\":true,\"num\":\"0\"}]");
     },
     socketio_errc::bad_placeholder},
    {"placeholder without num",
     [] { return decode_error("61-1[{\"x\":[{\"_placeholder\":true}]}]"); },
     socketio_errc::bad_placeholder},
    {"attachment over the limit",
     [&] { return reassembly_error("51-[\"a\"]", {"12345"}, small); },
     socketio_errc::attachment_too_large},
    {"attachments over the limit together",
     [&] {
       auto two = small;
       two.max_attachments_size = 6;
       return reassembly_error("52-[\"a\"]", {"1234", "123"}, two);
     },
     socketio_errc::attachment_too_large},
    {"attachment with nothing waiting",
     [] { return reassembly_error("2[\"a\"]", {"x"}); },
     socketio_errc::unexpected_attachment},
    {"text while attachments are due",
     [] {
       socketio_reassembler reassembler;
       (void)reassembler.on_text("51-[\"a\"]");
       auto r = reassembler.on_text("2[\"b\"]");
       return r ? std::error_code{} : r.error();
     },
     socketio_errc::expected_attachment},
  };

  openmfd::test::check_error_table(rows, first_errc, last_errc);
}

TEST_CASE("socketio limits are inclusive", "[socketio]") {
  socketio_limits small;
  small.max_attachments = 2;
  small.max_attachment_size = 4;
  CHECK(decode_error("52-[\"a\"]", small) == std::error_code{});
  CHECK(reassembly_error("51-[\"a\"]", {"1234"}, small) == std::error_code{});
  CHECK(decode_error(nested_arrays(31)) == std::error_code{}); // 32 levels
  CHECK(decode_error("2123456789012345[\"a\"]") == std::error_code{});
}

TEST_CASE("socketio error codes carry their wire names", "[socketio]") {
  std::set<std::string> names;
  for (int e = static_cast<int>(first_errc); e <= static_cast<int>(last_errc);
       ++e) {
    std::error_code ec = static_cast<socketio_errc>(e);
    CHECK(std::string{ec.category().name()} == "socketio");
    CHECK(ec.message() == to_string(static_cast<socketio_errc>(e)));
    CHECK_FALSE(ec.message().empty());
    names.insert(ec.message());
  }
  CHECK(names.size() == static_cast<std::size_t>(last_errc));
  CHECK(to_string(socketio_packet_type::binary_ack) == "binary_ack");
}
