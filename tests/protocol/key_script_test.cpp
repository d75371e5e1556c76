#include "protocol/key_script.hpp"

#include <cmath>
#include <fstream>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "tests/support/protocol_helpers.hpp"

using namespace openmfd::protocol;
using namespace std::chrono_literals;
using std::chrono::microseconds;
using std::chrono::milliseconds;

namespace {

using openmfd::test::outcome;
using openmfd::test::read_fixture;

using attributes = std::map<std::string, std::string>;

// The <ActivationMode .../> tags inside <ActivationModes>, attribute maps in
// file order. A tolerant scan, not an XML parser: the section is flat.
std::vector<attributes> fixture_activation_modes() {
  auto xml = read_fixture("defaultProfile.xml");
  auto begin = xml.find("<ActivationModes>");
  REQUIRE(begin != std::string::npos);
  auto end = xml.find("</ActivationModes>", begin);
  REQUIRE(end != std::string::npos);
  auto section = xml.substr(begin, end - begin);
  const std::string tag = "<ActivationMode ";
  const std::regex attribute{R"re(([A-Za-z_]+)\s*=\s*"([^"]*)")re"};
  std::vector<attributes> modes;
  for (auto pos = section.find(tag); pos != std::string::npos;
       pos = section.find(tag, pos + 1)) {
    auto close = section.find('>', pos);
    REQUIRE(close != std::string::npos);
    auto text = section.substr(pos + tag.size(), close - pos - tag.size());
    attributes attrs;
    for (std::sregex_iterator it{text.begin(), text.end(), attribute}, last;
         it != last; ++it)
      attrs[(*it)[1].str()] = (*it)[2].str();
    modes.push_back(attrs);
  }
  return modes;
}

bool flag(const attributes& attrs, const std::string& name) {
  INFO("attribute " << name);
  REQUIRE(attrs.count(name) == 1);
  const auto& value = attrs.at(name);
  REQUIRE((value == "0" || value == "1"));
  return value == "1";
}

// Seconds as the profile writes them; "-1" means "not set".
std::optional<milliseconds> seconds(const attributes& attrs,
                                    const std::string& name) {
  INFO("attribute " << name);
  REQUIRE(attrs.count(name) == 1);
  double value = std::stod(attrs.at(name));
  if (value < 0)
    return std::nullopt;
  return milliseconds{std::llround(value * 1000)};
}

key_step down(const char* name) {
  return key_step::down(*parse_key_name(name));
}

key_step up(const char* name) {
  return key_step::up(*parse_key_name(name));
}

key_step wait(microseconds d) {
  return key_step::wait(d);
}

key_combo combo(const char* text) {
  auto c = parse_key_combo(text);
  REQUIRE(c.has_value());
  return *c;
}

key_script compile(const char* keys, activation_mode mode,
                   const script_options& options = {}) {
  auto script = compile_key_script(combo(keys), mode, options);
  REQUIRE(outcome(script) == "ok");
  return *script;
}

activation_mode mode(const char* name) {
  auto m = parse_activation_mode(name);
  REQUIRE(m.has_value());
  return *m;
}

// Every key pressed is released later, nothing is pressed twice, and the
// script ends with every key up.
void check_balanced(const key_script& script) {
  std::set<hid_usage> held;
  for (const auto& step : script) {
    if (step.what == key_step::kind::down)
      CHECK(held.insert(step.key).second);
    else if (step.what == key_step::kind::up)
      CHECK(held.erase(step.key) == 1);
    else
      CHECK(step.duration > microseconds{0});
  }
  CHECK(held.empty());
}

} // namespace

TEST_CASE("the timing table equals defaultProfile.xml <ActivationModes>") {
  auto modes = fixture_activation_modes();
  REQUIRE(modes.size() == activation_mode_count);
  const std::set<std::string> known
    = {"name",          "onPress",
       "onHold",        "onRelease",
       "multiTap",      "multiTapBlock",
       "retriggerable", "pressTriggerThreshold",
       "releaseTriggerThreshold", "releaseTriggerDelay"};
  for (std::size_t i = 0; i < modes.size(); ++i) {
    const auto& attrs = modes[i];
    INFO("mode " << attrs.at("name"));
    for (const auto& attr : attrs)
      CHECK(known.count(attr.first) == 1);
    auto parsed = parse_activation_mode(attrs.at("name"));
    REQUIRE(parsed.has_value());
    const auto& row = timing_of(*parsed);
    // The table keeps the file's order, and the enum follows the table.
    CHECK(static_cast<std::size_t>(*parsed) == i);
    CHECK(&activation_timings()[i] == &row);
    CHECK(row.name == attrs.at("name"));
    CHECK(row.on_press == flag(attrs, "onPress"));
    CHECK(row.on_hold == flag(attrs, "onHold"));
    CHECK(row.on_release == flag(attrs, "onRelease"));
    CHECK(row.multi_tap == std::stoi(attrs.at("multiTap")));
    CHECK(row.multi_tap_block == flag(attrs, "multiTapBlock"));
    if (attrs.count("retriggerable") == 1) {
      REQUIRE(row.retriggerable.has_value());
      CHECK(*row.retriggerable == flag(attrs, "retriggerable"));
    } else {
      CHECK_FALSE(row.retriggerable.has_value());
    }
    CHECK(row.press_trigger_threshold
          == seconds(attrs, "pressTriggerThreshold"));
    CHECK(row.release_trigger_threshold
          == seconds(attrs, "releaseTriggerThreshold"));
    CHECK(std::optional<milliseconds>{row.release_trigger_delay}
          == seconds(attrs, "releaseTriggerDelay"));
  }
}

TEST_CASE("activation mode names") {
  for (const auto& row : activation_timings()) {
    INFO(row.name);
    auto parsed = parse_activation_mode(row.name);
    REQUIRE(parsed.has_value());
    CHECK(*parsed == row.mode);
    CHECK(mode_name(row.mode) == row.name);
  }
  CHECK(*parse_activation_mode("") == activation_mode::press);
  for (const char* bad : {"PRESS", " press", "triple_tap", "hold ", "x"}) {
    INFO(bad);
    CHECK(outcome(parse_activation_mode(bad)) == "unknown_activation_mode");
  }
}

TEST_CASE("lalt+f in every mode with the default 50 ms hold, 10 ms gap") {
  struct row {
    const char* mode;
    key_script script;
    microseconds duration;
  };
  // One press held `h`, modifiers leading and trailing by 10 ms.
  auto single = [](microseconds h) {
    return key_script{down("lalt"), wait(10ms), down("f"), wait(h),
                      up("f"),      wait(10ms), up("lalt")};
  };
  auto twice = key_script{down("lalt"), wait(10ms), down("f"), wait(50ms),
                          up("f"),      wait(50ms), down("f"), wait(50ms),
                          up("f"),      wait(10ms), up("lalt")};
  const row rows[] = {
    {"press", single(50ms), 70ms},
    {"tap", single(50ms), 70ms},
    {"tap_quicker", single(50ms), 70ms},
    {"double_tap", twice, 170ms},
    {"double_tap_nonblocking", twice, 170ms},
    {"delayed_press", single(300ms), 320ms},
    {"delayed_press_quicker", single(200ms), 220ms},
    {"hold", single(50ms), 70ms},
    {"hold_no_retrigger", single(50ms), 70ms},
    {"delayed_hold", single(300ms), 320ms},
    {"delayed_hold_no_retrigger", single(200ms), 220ms},
    {"hold_toggle", single(50ms), 70ms},
    {"smart_toggle", single(50ms), 70ms},
    {"all", single(50ms), 70ms},
  };
  REQUIRE(std::size(rows) == activation_mode_count);
  for (const auto& r : rows) {
    INFO(r.mode);
    auto script = compile("lalt+f", mode(r.mode));
    CHECK(format_key_script(script) == format_key_script(r.script));
    CHECK(script == r.script);
    CHECK(script_duration(script) == r.duration);
    check_balanced(script);
  }
}

TEST_CASE("a long hold is capped where a mode needs a quick release") {
  // Each press's length with --key-hold-ms 200: taps stay under half their
  // threshold, double taps put the second press within half the window.
  struct row {
    const char* mode;
    microseconds press;
    int presses;
  };
  const row rows[] = {
    {"press", 200ms, 1},
    {"tap", 125ms, 1},
    {"tap_quicker", 75ms, 1},
    {"double_tap", 62500us, 2},
    {"double_tap_nonblocking", 62500us, 2},
    {"delayed_press", 450ms, 1},
    {"delayed_press_quicker", 350ms, 1},
    {"hold", 200ms, 1},
    {"delayed_hold", 450ms, 1},
    {"delayed_hold_no_retrigger", 350ms, 1},
    {"smart_toggle", 125ms, 1},
    {"all", 200ms, 1},
  };
  auto options = make_script_options(200ms);
  for (const auto& r : rows) {
    INFO(r.mode);
    auto script = compile("f", mode(r.mode), options);
    key_script expected;
    for (int i = 0; i < r.presses; ++i) {
      if (i > 0)
        expected.push_back(wait(r.press));
      expected.insert(expected.end(), {down("f"), wait(r.press), up("f")});
    }
    CHECK(format_key_script(script) == format_key_script(expected));
    CHECK(script_duration(script) == r.press * (2 * r.presses - 1));
  }
}

TEST_CASE("a zero hold emits no waits except a mode's own delay") {
  auto options = make_script_options(0ms);
  CHECK(options.modifier_gap == 0ms);
  CHECK(compile("lalt+f", activation_mode::press, options)
        == key_script{down("lalt"), down("f"), up("f"), up("lalt")});
  CHECK(compile("lalt+f", activation_mode::double_tap, options)
        == key_script{down("lalt"), down("f"), up("f"), down("f"), up("f"),
                      up("lalt")});
  CHECK(compile("lalt+f", activation_mode::delayed_press, options)
        == key_script{down("lalt"), down("f"), wait(250ms), up("f"),
                      up("lalt")});
  CHECK(compile("lalt+f", activation_mode::delayed_hold_no_retrigger, options)
        == key_script{down("lalt"), down("f"), wait(150ms), up("f"),
                      up("lalt")});
  CHECK(script_duration(compile("lalt+f", activation_mode::tap, options))
        == 0us);
}

TEST_CASE("modifiers go down first and up last, in reverse") {
  CHECK(compile("f+lshift+lctrl", activation_mode::press)
        == key_script{down("lshift"), down("lctrl"), wait(10ms), down("f"),
                      wait(50ms), up("f"), wait(10ms), up("lctrl"),
                      up("lshift")});
  // Plain keys together: down in order, up in reverse, no gap.
  CHECK(compile("a+b", activation_mode::press)
        == key_script{down("a"), down("b"), wait(50ms), up("b"), up("a")});
  // A combo of modifiers only is pressed like plain keys.
  CHECK(compile("lshift", activation_mode::tap)
        == key_script{down("lshift"), wait(50ms), up("lshift")});
  CHECK(compile("lctrl+lshift", activation_mode::press)
        == key_script{down("lctrl"), down("lshift"), wait(50ms),
                      up("lshift"), up("lctrl")});
}

TEST_CASE("options and custom gaps") {
  CHECK(make_script_options(50ms).key_hold == 50ms);
  CHECK(make_script_options(50ms).modifier_gap == 10ms);
  script_options options;
  options.key_hold = 30ms;
  options.modifier_gap = 0ms;
  CHECK(compile("lalt+f", activation_mode::press, options)
        == key_script{down("lalt"), down("f"), wait(30ms), up("f"),
                      up("lalt")});
  options.modifier_gap = 25ms;
  CHECK(script_duration(compile("lalt+f", activation_mode::press, options))
        == 80ms);
}

TEST_CASE("every mode gives balanced scripts for many combos and holds") {
  for (const char* keys : {"f", "lalt+f", "lshift+lctrl+k", "lshift",
                           "a+b+c+d+e+f+g+h", "lalt+lctrl+lshift+rctrl+a"})
    for (auto hold : {0ms, 1ms, 50ms, 500ms, max_key_hold})
      for (const auto& row : activation_timings()) {
        INFO(keys << " / " << row.name << " / " << hold.count() << "ms");
        auto script = compile(keys, row.mode, make_script_options(hold));
        check_balanced(script);
        CHECK(script_duration(script)
              >= row.press_trigger_threshold.value_or(0ms));
      }
}

TEST_CASE("scripts are refused for bad combos and timings") {
  struct row {
    key_combo keys;
    script_options options;
    const char* error;
  };
  script_options negative_hold;
  negative_hold.key_hold = -1ms;
  script_options long_hold;
  long_hold.key_hold = max_key_hold + 1ms;
  script_options negative_gap;
  negative_gap.modifier_gap = -5ms;
  script_options long_gap;
  long_gap.modifier_gap = 11s;
  key_combo too_many;
  too_many.keys.assign(max_combo_keys + 1, 0x04);
  key_combo bad_count = combo("lalt+f");
  bad_count.modifier_count = 3;
  const row rows[] = {
    {key_combo{}, {}, "invalid_combo"},
    {too_many, {}, "invalid_combo"},
    {bad_count, {}, "invalid_combo"},
    {combo("f"), negative_hold, "invalid_timing"},
    {combo("f"), long_hold, "invalid_timing"},
    {combo("f"), negative_gap, "invalid_timing"},
    {combo("f"), long_gap, "invalid_timing"},
  };
  for (const auto& r : rows)
    for (const auto& timing : activation_timings()) {
      INFO(r.error << " / " << timing.name);
      CHECK(outcome(compile_key_script(r.keys, timing.mode, r.options))
            == r.error);
    }
}

TEST_CASE("scripts format readably") {
  CHECK(format_key_script({down("lalt"), wait(10ms), down("f"),
                           wait(62500us), up("f"), up("lalt")})
        == "down lalt, wait 10ms, down f, wait 62500us, up f, up lalt");
  CHECK(format_key_script({key_step::down(0x32)}) == "down hid:50");
  CHECK(format_key_script({}).empty());
  CHECK(script_duration({}) == 0us);
}

TEST_CASE("script error codes carry their wire text") {
  struct row {
    script_errc code;
    const char* text;
  };
  const row rows[] = {
    {script_errc::unknown_activation_mode, "unknown_activation_mode"},
    {script_errc::invalid_timing, "invalid_timing"},
    {script_errc::invalid_combo, "invalid_combo"},
  };
  for (const auto& r : rows) {
    std::error_code ec = r.code;
    CHECK(ec.message() == r.text);
    CHECK(std::string{ec.category().name()} == "openmfd.key_script");
  }
}
