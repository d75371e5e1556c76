#include "protocol/bindings.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>
#include <string>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <catch2/catch.hpp>

#include "tests/support/protocol_helpers.hpp"

using namespace openmfd::protocol;
using namespace std::chrono_literals;

namespace {

using openmfd::test::outcome;
using openmfd::test::read_fixture;

std::string outcome(std::error_code ec) {
  return ec ? ec.message() : std::string{"ok"};
}

bool blank(const std::string& s) {
  return std::all_of(s.begin(), s.end(),
                     [](unsigned char c) { return std::isspace(c) != 0; });
}

bool names_non_keyboard_input(const std::string& keys) {
  std::istringstream parts{keys};
  for (std::string part; std::getline(parts, part, '+');)
    if (is_non_keyboard_name(part))
      return true;
  return false;
}

bindings_catalogue load(const std::string& text) {
  std::string detail;
  auto catalogue = load_bindings(text, &detail);
  INFO(detail);
  REQUIRE(outcome(catalogue) == "ok");
  return *catalogue;
}

// One action in the file format, with the given JSON for its fields.
std::string one_action(const std::string& name, const std::string& fields) {
  return "{\"" + name + "\": {" + fields + "}}";
}

} // namespace

TEST_CASE("the Star Citizen bindings.json loads unchanged") {
  auto text = read_fixture("bindings.json");
  auto catalogue = load(text);
  // An independent look at the same file, to compare against.
  auto root = boost::json::parse(text).as_object();
  REQUIRE(catalogue.actions().size() == root.size());
  REQUIRE(root.size() == 610);
  std::size_t runnable = 0;
  std::size_t unsupported = 0;
  std::size_t unbound = 0;
  for (const auto& entry : root) {
    std::string name{entry.key()};
    INFO(name);
    const auto* action = catalogue.find(name);
    REQUIRE(action != nullptr);
    const auto& fields = entry.value().as_object();
    const auto& keyboard = fields.at("device").at("keyboard");
    std::string keys = keyboard.is_string() ? keyboard.as_string().c_str() : "";
    CHECK(action->keys == keys);
    REQUIRE(action->mode.has_value());
    const auto& mode = fields.at("activation_mode");
    CHECK(mode_name(*action->mode)
          == (mode.is_null() ? "press" : mode.as_string().c_str()));
    const auto& description = fields.at("description");
    CHECK(action->description.has_value() == description.is_string());
    if (blank(keys)) {
      CHECK(outcome(action->combo) == "no_keyboard_binding");
      ++unbound;
    } else if (names_non_keyboard_input(keys)) {
      CHECK(outcome(action->combo) == "unsupported_binding");
      ++unsupported;
    } else {
      REQUIRE(outcome(action->combo) == "ok");
      auto script = action_script(*action);
      REQUIRE(outcome(script) == "ok");
      CHECK(script_duration(*script) > 0us);
      ++runnable;
    }
  }
  // The fixture's numbers: a regression in the parser changes them.
  CHECK(runnable == 308);
  CHECK(unsupported == 29);
  CHECK(unbound == 273);
}

TEST_CASE("fixture actions carry their fields") {
  auto catalogue = load(read_fixture("bindings.json"));
  struct row {
    const char* name;
    const char* description; // nullptr: null in the file
    activation_mode mode;
    const char* keys;
    std::vector<hid_usage> combo;
  };
  const row rows[] = {
    {"spaceship_general.v_exit", "Exit seat", activation_mode::press,
     "lalt+f", {0xE2, 0x09}},
    {"spaceship_general.v_eject", "Eject", activation_mode::double_tap,
     "lalt+l", {0xE2, 0x0F}},
    {"spaceship_general.v_self_destruct", "Self Destruct",
     activation_mode::delayed_press, "lalt+backspace", {0xE2, 0x2A}},
    {"spaceship_general.v_cooler_throttle_down", "Decrease Cooler Rate",
     activation_mode::press, "lalt+np_7", {0xE2, 0x5F}},
    {"spaceship_general.spectate_enterpuremode", nullptr,
     activation_mode::delayed_press, "rctrl+insert", {0xE4, 0x49}},
    {"default.toggle_trackview", nullptr, activation_mode::press, "F5",
     {0x3E}},
  };
  for (const auto& r : rows) {
    INFO(r.name);
    const auto* action = catalogue.find(r.name);
    REQUIRE(action != nullptr);
    CHECK(action->name == r.name);
    if (r.description)
      CHECK(action->description == std::optional<std::string>{r.description});
    else
      CHECK_FALSE(action->description.has_value());
    CHECK(*action->mode == r.mode);
    CHECK(action->keys == r.keys);
    REQUIRE(action->combo.has_value());
    CHECK(action->combo->keys == r.combo);
    CHECK(outcome(action->status()) == "ok");
  }
  const auto* zoom = catalogue.find("spaceship_view.v_view_zoom_in");
  REQUIRE(zoom != nullptr);
  CHECK(outcome(zoom->status()) == "unsupported_binding");
  CHECK(outcome(action_script(*zoom)) == "unsupported_binding");
  CHECK(catalogue.find("no.such_action") == nullptr);
}

TEST_CASE("run_action scripts by name") {
  auto catalogue = load(read_fixture("bindings.json"));
  auto exit = action_script(catalogue, "spaceship_general.v_exit");
  REQUIRE(exit.has_value());
  CHECK(format_key_script(*exit)
        == "down lalt, wait 10ms, down f, wait 50ms, up f, wait 10ms, up lalt");
  auto eject = action_script(catalogue, "spaceship_general.v_eject",
                             make_script_options(0ms));
  REQUIRE(eject.has_value());
  CHECK(format_key_script(*eject)
        == "down lalt, down l, up l, down l, up l, up lalt");
  CHECK(outcome(action_script(catalogue, "nope")) == "unknown_action");
  CHECK(outcome(action_script(catalogue, "spaceship_movement.v_pitch_up"))
        == "no_keyboard_binding");
}

TEST_CASE("list_actions has the DESIGN §3 shape") {
  auto catalogue = load(read_fixture("bindings.json"));
  auto list = list_actions_json(catalogue);
  REQUIRE(list.size() == catalogue.actions().size());
  for (std::size_t i = 0; i < list.size(); ++i) {
    const auto* entry = list[i].if_object();
    REQUIRE(entry != nullptr);
    CHECK(entry->size() == 4);
    const auto& action = catalogue.actions()[i];
    INFO(action.name);
    REQUIRE(entry->if_contains("name"));
    CHECK(entry->at("name").as_string() == action.name.c_str());
    CHECK(entry->at("activation_mode").is_string());
    CHECK((entry->at("description").is_string()
           || entry->at("description").is_null()));
    CHECK(entry->at("keys").is_null() == blank(action.keys));
  }
  auto text = boost::json::serialize(list);
  CHECK(text.find(R"({"name":"spaceship_general.v_exit",)"
                  R"("description":"Exit seat",)"
                  R"("activation_mode":"press","keys":"lalt+f"})")
        != std::string::npos);
  // A null mode lists as "press", "F5" as canonical "f5", a null
  // description as null.
  CHECK(text.find(R"({"name":"default.toggle_trackview","description":null,)"
                  R"("activation_mode":"press","keys":"f5"})")
        != std::string::npos);
  // Mouse bindings keep their text so the UI can show them.
  CHECK(text.find(R"("name":"spaceship_view.v_view_zoom_in",)"
                  R"x("description":"Zoom in (3rd person view)",)x"
                  R"("activation_mode":"press",)"
                  R"("keys":"mwheel_up"})")
        != std::string::npos);
}

TEST_CASE("the built-in generic profile loads and every action runs") {
  auto catalogue = load_builtin_bindings();
  REQUIRE(outcome(catalogue) == "ok");
  CHECK(catalogue->actions().size() >= 8);
  for (const auto& action : catalogue->actions()) {
    INFO(action.name);
    CHECK(action.name.rfind("generic.", 0) == 0);
    CHECK(action.description.has_value());
    CHECK(outcome(action_script(action)) == "ok");
  }
  CHECK(load(std::string{builtin_bindings_json()}).actions().size()
        == catalogue->actions().size());
  CHECK(list_actions_json(*catalogue).size() == catalogue->actions().size());
}

TEST_CASE("action-level problems keep the action, with the reason") {
  struct row {
    std::string fields;
    const char* status;
    const char* listed_mode;
    const char* listed_keys; // nullptr: null
  };
  const row rows[] = {
    {"", "no_keyboard_binding", "press", nullptr},
    {R"("device": null)", "no_keyboard_binding", "press", nullptr},
    {R"("device": {})", "no_keyboard_binding", "press", nullptr},
    {R"("device": {"keyboard": null})", "no_keyboard_binding", "press",
     nullptr},
    {R"("device": {"keyboard": ""})", "no_keyboard_binding", "press",
     nullptr},
    {R"("device": {"keyboard": " "})", "no_keyboard_binding", "press",
     nullptr},
    {R"("device": {"keyboard": "mwheel_up"})", "unsupported_binding",
     "press", "mwheel_up"},
    {R"("device": {"keyboard": "lalt+foo"})", "unknown_key", "press",
     "lalt+foo"},
    {R"("device": {"keyboard": "lalt++f"})", "empty_key", "press",
     "lalt++f"},
    {R"("activation_mode": "triple_tap", "device": {"keyboard": "f"})",
     "unknown_activation_mode", "triple_tap", "f"},
    {R"("activation_mode": "", "device": {"keyboard": "f"})", "ok", "press",
     "f"},
    {R"("activation_mode": "tap", "device": {"keyboard": " lalt + F "})",
     "ok", "tap", "lalt+f"},
    // Fields we do not use are ignored, whatever their type.
    {R"("device": {"keyboard": "f", "joystick": [1], "mouse": 2}, "x": {})",
     "ok", "press", "f"},
  };
  for (const auto& r : rows) {
    INFO(r.fields);
    auto catalogue = load(one_action("a.b", r.fields));
    REQUIRE(catalogue.actions().size() == 1);
    const auto& action = catalogue.actions().front();
    CHECK(outcome(action.status()) == r.status);
    CHECK(outcome(action_script(catalogue, "a.b"))
          == (std::string{r.status} == "ok" ? "ok" : r.status));
    auto entry = list_actions_json(catalogue).at(0).as_object();
    CHECK(entry.at("activation_mode").as_string() == r.listed_mode);
    if (r.listed_keys)
      CHECK(entry.at("keys").as_string() == r.listed_keys);
    else
      CHECK(entry.at("keys").is_null());
  }
}

TEST_CASE("bad bindings text is refused with a precise error") {
  std::string many = "{";
  for (std::size_t i = 0; i <= max_actions; ++i)
    many += (i ? ",\"a" : "\"a") + std::to_string(i) + "\":{}";
  many += "}";
  struct row {
    std::string text;
    const char* error;
    const char* detail; // a part of the detail text
  };
  const row rows[] = {
    {std::string(max_bindings_text + 1, ' '), "input_too_large", "larger"},
    {"", "invalid_json", "not valid JSON"},
    {"{", "invalid_json", "not valid JSON"},
    {"{\"a\": {}} x", "invalid_json", "not valid JSON"},
    {"{\"a\": {\"b\": [[[[[[[[[]]]]]]]]]}}", "invalid_json",
     "not valid JSON"},
    {"[]", "not_an_object", "top level"},
    {"null", "not_an_object", "top level"},
    {"\"x\"", "not_an_object", "top level"},
    {many, "too_many_actions", "more than"},
    {"{\"\": {}}", "invalid_action_name", "action name"},
    {one_action(std::string(max_action_name + 1, 'n'), ""),
     "invalid_action_name", "action name"},
    {"{\"a.b\": 1}", "action_not_object", "a.b: must be an object"},
    {"{\"a.b\": null}", "action_not_object", "a.b: must be an object"},
    {"{\"a.b\": \"press\"}", "action_not_object", "a.b: must be an object"},
    {one_action("a.b", R"("description": 1)"), "invalid_field",
     "a.b: \"description\" must be a string or null"},
    {one_action("a.b", R"("activation_mode": ["press"])"), "invalid_field",
     "a.b: \"activation_mode\" must be a string or null"},
    {one_action("a.b", R"("action_name": true)"), "invalid_field",
     "a.b: \"action_name\" must be a string or null"},
    {one_action("a.b", R"("action_map_name": {})"), "invalid_field",
     "a.b: \"action_map_name\" must be a string or null"},
    {one_action("a.b", R"("label": 0.5)"), "invalid_field",
     "a.b: \"label\" must be a string or null"},
    {one_action("a.b", R"("device": "lalt+f")"), "invalid_field",
     "a.b: \"device\" must be an object or null"},
    {one_action("a.b", R"("device": {"keyboard": 5})"), "invalid_field",
     "a.b: \"device.keyboard\" must be a string or null"},
    {one_action("a.b", "\"description\": \""
                         + std::string(max_field_text + 1, 'd') + "\""),
     "field_too_long", "a.b: \"description\" is longer than 4096"},
    {one_action("a.b", "\"device\": {\"keyboard\": \""
                         + std::string(max_field_text + 1, 'k') + "\"}"),
     "field_too_long", "a.b: \"device.keyboard\" is longer than 4096"},
  };
  for (const auto& r : rows) {
    INFO(r.text.substr(0, 120));
    std::string detail;
    auto catalogue = load_bindings(r.text, &detail);
    CHECK(outcome(catalogue) == r.error);
    CHECK(detail.find(r.detail) != std::string::npos);
    CHECK(outcome(load_bindings(r.text)) == r.error); // detail is optional
  }
}

TEST_CASE("bindings bounds are inclusive") {
  CHECK(load(one_action(std::string(max_action_name, 'n'), ""))
          .actions()
          .size()
        == 1);
  CHECK(load(one_action("a.b", "\"description\": \""
                                 + std::string(max_field_text, 'd') + "\""))
          .actions()
          .front()
          .description->size()
        == max_field_text);
}

TEST_CASE("catalogue lookup answers the first of repeated names") {
  bound_action first;
  first.name = "x";
  first.keys = "a";
  bound_action second = first;
  second.keys = "b";
  bindings_catalogue catalogue{{first, second}};
  REQUIRE(catalogue.find("x") != nullptr);
  CHECK(catalogue.find("x")->keys == "a");
  CHECK(catalogue.actions().size() == 2);
  CHECK(bindings_catalogue{}.find("x") == nullptr);
}

TEST_CASE("bindings error codes carry their wire text") {
  struct row {
    bindings_errc code;
    const char* text;
  };
  const row rows[] = {
    {bindings_errc::input_too_large, "input_too_large"},
    {bindings_errc::invalid_json, "invalid_json"},
    {bindings_errc::not_an_object, "not_an_object"},
    {bindings_errc::too_many_actions, "too_many_actions"},
    {bindings_errc::invalid_action_name, "invalid_action_name"},
    {bindings_errc::action_not_object, "action_not_object"},
    {bindings_errc::invalid_field, "invalid_field"},
    {bindings_errc::field_too_long, "field_too_long"},
    {bindings_errc::unknown_action, "unknown_action"},
    {bindings_errc::no_keyboard_binding, "no_keyboard_binding"},
  };
  for (const auto& r : rows) {
    std::error_code ec = r.code;
    CHECK(ec.message() == r.text);
    CHECK(std::string{ec.category().name()} == "openmfd.bindings");
  }
}
