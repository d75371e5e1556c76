// Shared screens as values: names, untrusted states (their limits and
// canonical text) and the screens.json text, both ways.

#include "protocol/screens.hpp"

#include <string>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <catch2/catch.hpp>

using namespace openmfd::protocol;

TEST_CASE("screens: names are 1 to max characters of [A-Za-z0-9_.-]",
          "[screens]") {
  CHECK(valid_screen_name("cockpit", 8));
  CHECK(valid_screen_name("A-z_0.9", 8));
  CHECK(valid_screen_name("12345678", 8));
  CHECK_FALSE(valid_screen_name("123456789", 8));
  CHECK_FALSE(valid_screen_name("", 8));
  CHECK_FALSE(valid_screen_name("a b", 8));
  CHECK_FALSE(valid_screen_name("a/b", 8));
  CHECK_FALSE(valid_screen_name(std::string{"a\0b", 3}, 8));
}

TEST_CASE("screens: a state is a JSON object within the limit",
          "[screens]") {
  auto parsed = parse_screen_state(R"( {"page": 3, "lit": [1, 2]} )", 64);
  REQUIRE(parsed.has_value());
  CHECK(parsed->canonical == R"({"page":3,"lit":[1,2]})");
  CHECK(parsed->state.at("page").as_int64() == 3);

  CHECK(parse_screen_state("[1]", 64).error()
        == screen_state_errc::invalid_state);
  CHECK(parse_screen_state("{", 64).error()
        == screen_state_errc::invalid_state);
  CHECK(parse_screen_state(R"({"a": "0123456789"})", 16).error()
        == screen_state_errc::state_too_large);
  // Short to read, long once written out: measured again.
  CHECK(parse_screen_state(R"({"a":0.3})", 9).error()
        == screen_state_errc::state_too_large);
  CHECK(parse_screen_state(R"({"a":0.3})", 10).has_value());
}

// Boost.JSON reads 1e400 as infinity and writes it as `Infinity`: such a
// state would go out to every member, and into screens.json, as text that
// is not JSON (the next start would refuse the file).
TEST_CASE("screens: numbers beyond a double are refused, in a state and in "
          "the file",
          "[screens]") {
  auto number = GENERATE(std::string{"1e400"}, std::string{"-1.5e310"});
  CHECK(parse_screen_state(R"({"a": [)" + number + "]}", 64).error()
        == screen_state_errc::invalid_state);
  auto file = parse_screens_file(
    R"({"version": 1, "screens": {"main": {"x": )" + number + "}}}", {});
  CHECK(file.states.empty());
  CHECK(file.error
        == "the state of screen \"main\" has a number beyond the range of a "
           "double");
}

TEST_CASE("screens: screens.json is written and read back", "[screens]") {
  auto main = boost::json::parse(R"({"page":2,"lit":[true,null]})");
  auto aux = boost::json::parse(R"({"x":0.5})");
  boost::json::object empty;
  auto text = serialize_screens_file({{"main", &main.get_object()},
                                      {"aux.1", &aux.get_object()},
                                      {"gone", &empty}});
  CHECK(text
        == R"({"version":1,"screens":{"main":{"page":2,"lit":[true,null]},)"
           R"("aux.1":{"x":5E-1}}})");
  auto back = parse_screens_file(text, {});
  REQUIRE(back.error.empty());
  REQUIRE(back.states.size() == 2);
  CHECK(back.states.at("main") == main.get_object());
  CHECK(back.states.at("aux.1") == aux.get_object());
}

TEST_CASE("screens: an unusable screens.json says why", "[screens]") {
  screen_limits limits;
  limits.max_screens = 1;
  limits.max_state_bytes = 16;
  auto why = [&](const std::string& text) {
    auto file = parse_screens_file(text, limits);
    if (!file.error.empty())
      CHECK(file.states.empty());
    return file.error;
  };
  CHECK(why("{not json").rfind("it is not JSON (", 0) == 0);
  CHECK(why("[]") == "it is not a JSON object");
  CHECK(why(R"({"version": 2, "screens": {}})")
        == "its \"version\" is not 1");
  CHECK(why(R"({"version": 1, "screens": []})")
        == "its \"screens\" is not an object");
  CHECK(why(R"({"version": 1, "screens": {"a": {}, "b": {}}})")
        == "it has more than 1 screens");
  CHECK(why(R"({"version": 1, "screens": {"a b": {}}})")
        == "it has an invalid screen name");
  CHECK(why(R"({"version": 1, "screens": {"a": [1]}})")
        == "the state of screen \"a\" is not an object");
  CHECK(why(R"({"version": 1, "screens": {"a": {"t": "0123456789"}}})")
        == "the state of screen \"a\" is larger than 16 bytes");
  CHECK(why(R"({"version": 1, "screens": {"a": {"t": 1}}})").empty());
  CHECK(max_screens_file_size(limits) == 1 * (16 + 64 + 16) + 64);
}
