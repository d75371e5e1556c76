#include "protocol/key_names.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <catch2/catch.hpp>

#include "tests/support/protocol_helpers.hpp"

#include "protocol/key_combo.hpp"

using namespace openmfd::protocol;

namespace {

using openmfd::test::outcome;
using openmfd::test::read_fixture;

std::string trim(std::string s) {
  auto blank = [](unsigned char c) { return std::isspace(c) != 0; };
  s.erase(s.begin(), std::find_if_not(s.begin(), s.end(), blank));
  s.erase(std::find_if_not(s.rbegin(), s.rend(), blank).base(), s.end());
  return s;
}

void add_tokens(const std::string& binding, std::set<std::string>& tokens) {
  std::istringstream parts{binding};
  for (std::string part; std::getline(parts, part, '+');)
    if (auto token = trim(part); !token.empty())
      tokens.insert(token);
}

// Every '+'-separated token of every keyboard binding in bindings.json.
std::set<std::string> bindings_json_tokens() {
  std::error_code ec;
  auto root = boost::json::parse(read_fixture("bindings.json"), ec);
  REQUIRE_FALSE(ec);
  std::set<std::string> tokens;
  for (const auto& entry : root.as_object()) {
    const auto& device = entry.value().as_object().at("device").as_object();
    if (const auto* kb = device.at("keyboard").if_string())
      add_tokens(std::string{kb->c_str()}, tokens);
  }
  return tokens;
}

// Every token of every keyboard="..." attribute in defaultProfile.xml (a
// tolerant scan; the test only needs the attribute values).
std::set<std::string> profile_tokens() {
  auto xml = read_fixture("defaultProfile.xml");
  std::set<std::string> tokens;
  const std::string attr = " keyboard=\"";
  for (auto pos = xml.find(attr); pos != std::string::npos;
       pos = xml.find(attr, pos + 1)) {
    auto start = pos + attr.size();
    add_tokens(xml.substr(start, xml.find('"', start) - start), tokens);
  }
  return tokens;
}

void check_maps_everywhere(const std::string& token) {
  INFO("key token: " << token);
  auto usage = parse_key_name(token);
  REQUIRE(outcome(usage) == "ok");
  REQUIRE(find_key(*usage) != nullptr);
  auto win = windows_scancode_of(*usage);
  REQUIRE(win.has_value());
  CHECK(win->code != 0);
  CHECK(win->code < 0x80);
  auto mac = macos_key_code_of(*usage);
  REQUIRE(outcome(mac) == "ok");
  CHECK(*mac < 0x80);
  auto evdev = evdev_code_of(*usage);
  REQUIRE(evdev.has_value());
  CHECK(*evdev != 0);
  auto keysym = x11_keysym_of(*usage);
  REQUIRE(keysym.has_value());
  CHECK(*keysym != 0);
}

} // namespace

TEST_CASE("every keyboard token of the fixtures maps on every platform") {
  auto tokens = bindings_json_tokens();
  auto from_profile = profile_tokens();
  tokens.insert(from_profile.begin(), from_profile.end());
  // The fixture has ~90 distinct key tokens; a broken scan finds few.
  REQUIRE(tokens.size() > 80);
  std::size_t keyboard = 0;
  std::size_t other = 0;
  for (const auto& token : tokens) {
    if (is_non_keyboard_name(token)) {
      INFO("non-keyboard token: " << token);
      CHECK(outcome(parse_key_name(token)) == "unsupported_binding");
      ++other;
    } else {
      check_maps_everywhere(token);
      ++keyboard;
    }
  }
  CHECK(keyboard > 80);
  // mwheel_up/down, maxis_x/y/z, HMD_Pitch/Yaw/Roll at least.
  CHECK(other >= 8);
}

TEST_CASE("non-keyboard names of the fixture are recognised as such") {
  auto tokens = bindings_json_tokens();
  for (const char* name : {"mwheel_up", "mwheel_down", "maxis_x", "maxis_y",
                           "maxis_z", "HMD_Pitch", "HMD_Yaw", "HMD_Roll"}) {
    INFO(name);
    CHECK(tokens.count(name) == 1);
    CHECK(is_non_keyboard_name(name));
  }
}

TEST_CASE("key names, aliases and prefixes map to HID usages") {
  struct row {
    const char* name;
    hid_usage usage;
  };
  const row rows[] = {
    {"lalt", 0xE2},      {"LALT", 0xE2},      {"alt", 0xE2},
    {"rctrl", 0xE4},     {"ctrl", 0xE0},      {"lctrl", 0xE0},
    {"control", 0xE0},   {"shift", 0xE1},     {"rshift", 0xE5},
    {"win", 0xE3},       {"cmd", 0xE3},       {"rwin", 0xE7},
    {"altgr", 0xE6},     {"a", 0x04},         {"Z", 0x1D},
    {"1", 0x1E},         {"0", 0x27},         {"f1", 0x3A},
    {"F5", 0x3E},        {"f12", 0x45},       {"enter", 0x28},
    {"return", 0x28},    {"escape", 0x29},    {"esc", 0x29},
    {"backspace", 0x2A}, {"tab", 0x2B},       {"space", 0x2C},
    {"lbracket", 0x2F},  {"rbracket", 0x30},  {"comma", 0x36},
    {"period", 0x37},    {"slash", 0x38},     {"insert", 0x49},
    {"home", 0x4A},      {"pgup", 0x4B},      {"pageup", 0x4B},
    {"delete", 0x4C},    {"del", 0x4C},       {"end", 0x4D},
    {"pgdn", 0x4E},      {"page_down", 0x4E}, {"right", 0x4F},
    {"left", 0x50},      {"down", 0x51},      {"up", 0x52},
    {"arrowup", 0x52},   {"np_7", 0x5F},      {"NP_7", 0x5F},
    {"numpad_7", 0x5F},  {"numpad7", 0x5F},   {"kp_7", 0x5F},
    {"kp7", 0x5F},       {"np_0", 0x62},      {"np_add", 0x57},
    {"np_plus", 0x57},   {"numpad_add", 0x57}, {"np_subtract", 0x56},
    {"np_multiply", 0x55}, {"np_divide", 0x54}, {"np_period", 0x63},
    {"np_enter", 0x58},  {"kb1_lalt", 0xE2},  {"kb_f", 0x09},
    {"capslock", 0x39},  {"print", 0x46},     {"pause", 0x48},
  };
  for (const auto& r : rows) {
    INFO(r.name);
    auto usage = parse_key_name(r.name);
    REQUIRE(outcome(usage) == "ok");
    CHECK(*usage == r.usage);
  }
}

TEST_CASE("bad key names are refused with the right error") {
  struct row {
    std::string name;
    const char* error;
  };
  const row rows[] = {
    {"", "unknown_key"},
    {"foo", "unknown_key"},
    {"l alt", "unknown_key"},
    {" lalt", "unknown_key"}, // names are exact; combos trim
    {"np_", "unknown_key"},
    {"kp", "unknown_key"},
    {"f13", "unknown_key"},
    {"lalt+f", "unknown_key"},
    {std::string(100, 'a'), "unknown_key"},
    {std::string("a\0", 2), "unknown_key"},
    {"mouse1", "unsupported_binding"},
    {"MOUSE2", "unsupported_binding"},
    {"mwheel_up", "unsupported_binding"},
    {"mwheel_down", "unsupported_binding"},
    {"maxis_x", "unsupported_binding"},
    {"HMD_Pitch", "unsupported_binding"},
    {"js1_button3", "unsupported_binding"},
    {"js2_x", "unsupported_binding"},
    {"gp_a", "unsupported_binding"},
    {"gp1_thumbl", "unsupported_binding"},
    {"xi1_a", "unsupported_binding"},
    {"mo1_mouse1", "unsupported_binding"},
    {"button6", "unsupported_binding"},
    {"mwheel_up" + std::string(100, 'x'), "unsupported_binding"},
  };
  for (const auto& r : rows) {
    INFO("name: '" << r.name << "'");
    CHECK(outcome(parse_key_name(r.name)) == r.error);
  }
}

TEST_CASE("platform codes of some well-known keys") {
  struct row {
    const char* name;
    windows_scancode windows;
    std::uint16_t macos;
    std::uint16_t evdev;
    std::uint32_t x11;
  };
  // Windows set 1, kVK_*, KEY_*, XK_*.
  const row rows[] = {
    {"a", {0x1E, false}, 0x00, 30, 0x61},
    {"lalt", {0x38, false}, 0x3A, 56, 0xFFE9},
    {"ralt", {0x38, true}, 0x3D, 100, 0xFFEA},
    {"rctrl", {0x1D, true}, 0x3E, 97, 0xFFE4},
    {"np_enter", {0x1C, true}, 0x4C, 96, 0xFF8D},
    {"enter", {0x1C, false}, 0x24, 28, 0xFF0D},
    {"np_7", {0x47, false}, 0x59, 71, 0xFFB7},
    {"home", {0x47, true}, 0x73, 102, 0xFF50},
    {"pgdn", {0x51, true}, 0x79, 109, 0xFF56},
    {"np_divide", {0x35, true}, 0x4B, 98, 0xFFAF},
    {"f11", {0x57, false}, 0x67, 87, 0xFFC8},
    {"numlock", {0x45, true}, 0x47, 69, 0xFF7F},
  };
  for (const auto& r : rows) {
    INFO(r.name);
    auto usage = parse_key_name(r.name);
    REQUIRE(usage.has_value());
    CHECK(*windows_scancode_of(*usage) == r.windows);
    CHECK(*macos_key_code_of(*usage) == r.macos);
    CHECK(*evdev_code_of(*usage) == r.evdev);
    CHECK(*x11_keysym_of(*usage) == r.x11);
  }
}

TEST_CASE("keys a Mac lacks and usages we do not type") {
  for (const char* name : {"print", "scrolllock", "pause"}) {
    INFO(name);
    auto usage = parse_key_name(name);
    REQUIRE(usage.has_value());
    CHECK(outcome(macos_key_code_of(*usage)) == "not_on_platform");
    CHECK((windows_scancode_of(*usage)).has_value());
    CHECK((evdev_code_of(*usage)).has_value());
    CHECK((x11_keysym_of(*usage)).has_value());
  }
  for (hid_usage usage : {hid_usage{0x00}, hid_usage{0x32}, hid_usage{0xFF},
                          hid_usage{0x1234}}) {
    INFO(usage);
    CHECK(find_key(usage) == nullptr);
    CHECK(key_name(usage).empty());
    CHECK(outcome(windows_scancode_of(usage)) == "unknown_key");
    CHECK(outcome(macos_key_code_of(usage)) == "unknown_key");
    CHECK(outcome(evdev_code_of(usage)) == "unknown_key");
    CHECK(outcome(x11_keysym_of(usage)) == "unknown_key");
  }
}

TEST_CASE("the key table is sorted, unique and round-trips") {
  std::set<std::string_view> names;
  std::set<std::pair<int, bool>> scancodes;
  std::set<std::uint16_t> evdev;
  std::set<std::uint32_t> keysyms;
  std::set<std::uint16_t> mac;
  hid_usage previous = 0;
  for (const auto& key : all_keys()) {
    INFO(key.name);
    CHECK(key.usage > previous);
    previous = key.usage;
    CHECK(names.insert(key.name).second);
    CHECK(scancodes.insert({key.windows.code, key.windows.extended}).second);
    CHECK(evdev.insert(key.evdev).second);
    CHECK(keysyms.insert(key.x11).second);
    if (key.macos != no_macos_key)
      CHECK(mac.insert(key.macos).second);
    CHECK(is_modifier(key.usage) == (key.usage >= 0xE0));
    auto parsed = parse_key_name(key.name);
    REQUIRE(parsed.has_value());
    CHECK(*parsed == key.usage);
    CHECK(key_name(key.usage) == key.name);
    CHECK(find_key(key.usage) == &key);
  }
  CHECK(all_keys().size() > 100);
}

TEST_CASE("aliases are unique and point at keys") {
  std::set<std::string_view> seen;
  for (const auto& alias : all_key_aliases()) {
    INFO(alias.name);
    CHECK(seen.insert(alias.name).second);
    CHECK(find_key(alias.usage) != nullptr);
    auto parsed = parse_key_name(alias.name);
    REQUIRE(parsed.has_value());
    CHECK(*parsed == alias.usage);
    for (const auto& key : all_keys())
      CHECK(key.name != alias.name);
  }
}

TEST_CASE("key combos parse, order modifiers first and format back") {
  struct row {
    const char* text;
    std::vector<hid_usage> keys;
    std::size_t modifiers;
    const char* canonical;
  };
  const row rows[] = {
    {"lalt+f", {0xE2, 0x09}, 1, "lalt+f"},
    {"lshift+lctrl+k", {0xE1, 0xE0, 0x0E}, 2, "lshift+lctrl+k"},
    {"k+lshift+lctrl", {0xE1, 0xE0, 0x0E}, 2, "lshift+lctrl+k"},
    {"  LAlt + F5 ", {0xE2, 0x3E}, 1, "lalt+f5"},
    {"\tctrl+esc\n", {0xE0, 0x29}, 1, "lctrl+escape"},
    {"np_7", {0x5F}, 0, "np_7"},
    {"lshift", {0xE1}, 1, "lshift"},
    {"a+b", {0x04, 0x05}, 0, "a+b"},
    {"a+b+c+d+e+f+g+h", {4, 5, 6, 7, 8, 9, 10, 11}, 0, "a+b+c+d+e+f+g+h"},
    {"F5", {0x3E}, 0, "f5"},
  };
  for (const auto& r : rows) {
    INFO(r.text);
    auto combo = parse_key_combo(r.text);
    REQUIRE(outcome(combo) == "ok");
    CHECK(combo->keys == r.keys);
    CHECK(combo->modifier_count == r.modifiers);
    CHECK(format_key_combo(*combo) == r.canonical);
    auto again = parse_key_combo(format_key_combo(*combo));
    REQUIRE(again.has_value());
    CHECK(*again == *combo);
  }
}

TEST_CASE("bad key combos are refused with a precise error") {
  struct row {
    std::string text;
    const char* error;
  };
  const row rows[] = {
    {"", "empty_keys"},
    {"   \t ", "empty_keys"},
    {"lalt+", "empty_key"},
    {"+f", "empty_key"},
    {"lalt++f", "empty_key"},
    {"lalt+ +f", "empty_key"},
    {"+", "empty_key"},
    {"a+b+c+d+e+f+g+h+i", "too_many_keys"},
    {"a+a", "duplicate_key"},
    {"ctrl+lctrl", "duplicate_key"},
    {"LALT+lalt", "duplicate_key"},
    {"lalt+foo", "unknown_key"},
    {"lalt+mwheel_up", "unsupported_binding"},
    {"maxis_x", "unsupported_binding"},
    {"rctrl+button6", "unsupported_binding"},
    {std::string(65, 'a'), "keys_too_long"},
    {std::string(60, ' ') + "lalt+f", "keys_too_long"},
  };
  for (const auto& r : rows) {
    INFO("combo: '" << r.text << "'");
    CHECK(outcome(parse_key_combo(r.text)) == r.error);
  }
}

TEST_CASE("combo bounds are inclusive") {
  auto padded = std::string(max_combo_text - 1, ' ') + "a";
  REQUIRE(padded.size() == max_combo_text);
  CHECK((parse_key_combo(padded)).has_value());
  CHECK(parse_key_combo("a+b+c+d+e+f+g+lalt")->keys.size() == max_combo_keys);
}

TEST_CASE("key error codes carry their wire text") {
  struct row {
    key_errc code;
    const char* text;
  };
  const row rows[] = {
    {key_errc::unknown_key, "unknown_key"},
    {key_errc::unsupported_binding, "unsupported_binding"},
    {key_errc::not_on_platform, "not_on_platform"},
    {key_errc::empty_keys, "empty_keys"},
    {key_errc::empty_key, "empty_key"},
    {key_errc::keys_too_long, "keys_too_long"},
    {key_errc::too_many_keys, "too_many_keys"},
    {key_errc::duplicate_key, "duplicate_key"},
  };
  for (const auto& r : rows) {
    std::error_code ec = r.code;
    CHECK(ec.message() == r.text);
    CHECK(std::string{ec.category().name()} == "openmfd.keys");
    CHECK(ec == r.code);
  }
}
