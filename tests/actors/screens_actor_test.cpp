// The screens actor: shared screen state, broadcasts to the other members,
// limits with precise errors, sessions that end, and screens.json (written
// behind a timer and at exit, restored at start, never overwritten when
// corrupt). Deterministic: CAF's test scheduler and virtual time.

#include "actors/screens_actor.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <boost/json.hpp>

#include "actor_fixture.hpp"

using namespace openmfd;
using namespace openmfd::actors;
using namespace std::chrono_literals;

namespace {

/// What a fake session was sent by the screens actor.
struct screen_log {
  std::vector<std::pair<std::string, std::string>> states;
};

caf::behavior screen_watcher(caf::event_based_actor*,
                             std::shared_ptr<screen_log> log) {
  return {
    [log](atom::screen_state, const std::string& screen,
          const std::string& state) {
      log->states.emplace_back(screen, state);
    },
  };
}

struct watcher {
  caf::actor handle;
  std::shared_ptr<screen_log> log;
};

class screens_fixture : public test::actor_fixture {
public:
  /// A screens actor on the test scheduler; REQUIREs that it started.
  screens_actor start(screens_config cfg) {
    std::string error;
    auto h = spawn_screens(sys(), std::move(cfg), false, error);
    INFO(error);
    REQUIRE(h);
    track(h);
    run();
    return h;
  }

  screens_config persistent_config() const {
    screens_config cfg;
    cfg.data_dir = dir;
    return cfg;
  }

  watcher make_watcher() {
    auto log = std::make_shared<screen_log>();
    auto h = track(sys().spawn(screen_watcher, log));
    run();
    return {h, log};
  }

  std::string join(const screens_actor& s, const std::string& screen,
                   const caf::actor& session) {
    auto r = ask<std::string>(s, atom::join_screen_v, screen, session);
    REQUIRE(r->value);
    return *r->value;
  }

  void set(const screens_actor& s, const std::string& screen,
           const std::string& state, const caf::actor& session) {
    auto r = ask<bool>(s, atom::set_screen_v, screen, state, session);
    INFO(to_string(r->error));
    REQUIRE(r->value);
  }

  /// The screens_error of a refused request, or none.
  template <class T, class... Ts>
  screens_error refusal(const screens_actor& s, Ts... xs) {
    auto r = ask<T>(s, xs...);
    REQUIRE(r->arrived());
    REQUIRE_FALSE(r->value);
    auto e = as_screens_error(r->error);
    REQUIRE(e);
    return *e;
  }

  std::filesystem::path file() const {
    return screens_file(dir);
  }

  std::string file_text() const {
    std::ifstream in{file(), std::ios::binary};
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
  }
};

/// The state saved for `screen` in screens.json text, serialized.
std::string saved_state(const std::string& text, const std::string& screen) {
  boost::json::error_code ec;
  auto v = boost::json::parse(text, ec);
  REQUIRE_FALSE(ec);
  const auto* screens = v.as_object().at("screens").if_object();
  REQUIRE(screens);
  const auto* state = screens->if_contains(screen);
  return state ? boost::json::serialize(*state) : std::string{};
}

} // namespace

TEST_CASE_METHOD(screens_fixture,
                 "screens: join answers the state, set reaches the others",
                 "[screens]") {
  auto s = start({});
  auto a = make_watcher();
  auto b = make_watcher();
  auto c = make_watcher();

  CHECK(join(s, "cockpit", a.handle) == "{}");
  CHECK(join(s, "cockpit", b.handle) == "{}");
  set(s, "cockpit", R"({"page": 2})", a.handle);
  // The sender is not told about its own change; the others get the
  // canonical text.
  CHECK(a.log->states.empty());
  REQUIRE(b.log->states.size() == 1);
  CHECK(b.log->states[0].first == "cockpit");
  CHECK(b.log->states[0].second == R"({"page":2})");

  // A late joiner gets the current state; joining twice is harmless.
  CHECK(join(s, "cockpit", c.handle) == R"({"page":2})");
  CHECK(join(s, "cockpit", c.handle) == R"({"page":2})");

  // A member that left hears nothing more.
  auto left = ask<bool>(s, atom::leave_screen_v, std::string{"cockpit"},
                        c.handle);
  REQUIRE(left->value);
  set(s, "cockpit", R"({"page": 3})", b.handle);
  CHECK(c.log->states.empty());
  REQUIRE(a.log->states.size() == 1);
  CHECK(a.log->states[0].second == R"({"page":3})");
  CHECK(b.log->states.size() == 1);

  // Each member is told once per change; other screens are separate.
  CHECK(join(s, "radar", c.handle) == "{}");
  set(s, "radar", R"({"range": 5})", c.handle);
  CHECK(a.log->states.size() == 1);
  CHECK(b.log->states.size() == 1);

  // A sender that is not a member still reaches every member.
  set(s, "cockpit", R"({"page": 4})", c.handle);
  CHECK(a.log->states.size() == 2);
  CHECK(b.log->states.size() == 2);

  // Leaving a screen one never joined is not an error.
  auto again = ask<bool>(s, atom::leave_screen_v, std::string{"elsewhere"},
                         c.handle);
  CHECK(again->value);
}

TEST_CASE_METHOD(screens_fixture, "screens: bad input gets precise errors",
                 "[screens]") {
  screens_config cfg;
  cfg.limits.max_screens = 2;
  cfg.limits.max_state_bytes = 32;
  cfg.limits.max_name_length = 16;
  auto s = start(cfg);
  auto a = make_watcher();

  SECTION("screen names: 1..max characters of [A-Za-z0-9_.-]") {
    for (std::string bad : {std::string{}, std::string(17, 'x'),
                            std::string{"a/b"}, std::string{"a b"},
                            std::string{"caf\xc3\xa9"}, std::string{"x\n"}}) {
      INFO(bad);
      CHECK(refusal<std::string>(s, atom::join_screen_v, bad, a.handle)
            == screens_error::invalid_screen);
      CHECK(refusal<bool>(s, atom::leave_screen_v, bad, a.handle)
            == screens_error::invalid_screen);
      CHECK(refusal<bool>(s, atom::set_screen_v, bad, std::string{"{}"},
                          a.handle)
            == screens_error::invalid_screen);
    }
    CHECK(join(s, std::string(16, 'x'), a.handle) == "{}");
    CHECK(join(s, "Mfd-1_left.v2", a.handle) == "{}");
  }

  SECTION("states: a JSON object, not too large") {
    for (std::string bad : {"", "not json", "[1, 2]", "\"text\"", "42",
                            "{\"a\": 1", "{} {}"}) {
      INFO(bad);
      CHECK(refusal<bool>(s, atom::set_screen_v, std::string{"main"}, bad,
                          a.handle)
            == screens_error::invalid_state);
    }
    std::string big = R"({"text": ")" + std::string(40, 'x') + R"("})";
    CHECK(refusal<bool>(s, atom::set_screen_v, std::string{"main"}, big,
                        a.handle)
          == screens_error::state_too_large);
    // What is stored and sent is the canonical text, so that is measured
    // too: 1.5 prints as 1.5E0, which takes this one over the limit...
    std::string grows = R"({"a":1.5,"b":1.5,"c":1.5,"d":1})";
    REQUIRE(grows.size() <= 32);
    CHECK(refusal<bool>(s, atom::set_screen_v, std::string{"main"}, grows,
                        a.handle)
          == screens_error::state_too_large);
    // ...while padding that vanishes in the canonical text is fine.
    set(s, "main", R"({"a": 1,    "b": 2,   "c": 3})", a.handle);
    CHECK(join(s, "main", a.handle) == R"({"a":1,"b":2,"c":3})");
  }

  SECTION("screens: at most max_screens") {
    CHECK(join(s, "one", a.handle) == "{}");
    set(s, "two", R"({"x": 1})", a.handle);
    CHECK(refusal<std::string>(s, atom::join_screen_v, std::string{"three"},
                               a.handle)
          == screens_error::too_many_screens);
    CHECK(refusal<bool>(s, atom::set_screen_v, std::string{"three"},
                        std::string{R"({"x": 1})"}, a.handle)
          == screens_error::too_many_screens);
    // A screen nobody watches and nothing is stored for is forgotten, which
    // makes room again.
    REQUIRE(ask<bool>(s, atom::leave_screen_v, std::string{"one"}, a.handle)
              ->value);
    CHECK(join(s, "three", a.handle) == "{}");
    // Existing screens can still be changed and joined when full.
    set(s, "two", R"({"x": 2})", a.handle);
    CHECK(join(s, "two", a.handle) == R"({"x":2})");
  }
}

TEST_CASE_METHOD(screens_fixture,
                 "screens: changes beyond the delivery budget are refused",
                 "[screens]") {
  screens_config cfg;
  cfg.deliveries_per_second = 10;
  cfg.delivery_burst = 10;
  auto s = start(cfg);
  std::vector<watcher> members;
  for (int i = 0; i < 4; ++i) {
    members.push_back(make_watcher());
    join(s, "busy", members.back().handle);
  }
  auto& sender = members[0];
  // Three deliveries a change: of ten, three changes leave one, which lets
  // a fourth go out in debt; the fifth is refused.
  for (int n = 1; n <= 4; ++n)
    set(s, "busy", R"({"n":)" + std::to_string(n) + "}", sender.handle);
  CHECK(refusal<bool>(s, atom::set_screen_v, std::string{"busy"},
                      std::string{R"({"n":5})"}, sender.handle)
        == screens_error::rate_limited);
  // A refused change is neither kept nor sent.
  CHECK(members[1].log->states.size() == 4);
  CHECK(join(s, "busy", members[1].handle) == R"({"n":4})");
  // A screen nobody else watches costs nothing.
  set(s, "alone", R"({"n":1})", sender.handle);
  // The debt is repaid first: 200 ms refill two of the three owed.
  advance(200ms);
  CHECK(refusal<bool>(s, atom::set_screen_v, std::string{"busy"},
                      std::string{R"({"n":6})"}, sender.handle)
        == screens_error::rate_limited);
  advance(100ms);
  set(s, "busy", R"({"n":7})", sender.handle);
  CHECK(members[3].log->states.back().second == R"({"n":7})");
}

TEST_CASE("screens: errors have wire codes", "[screens]") {
  CHECK(to_string(screens_error::invalid_screen) == "invalid_screen");
  CHECK(to_string(screens_error::invalid_state) == "invalid_state");
  CHECK(to_string(screens_error::state_too_large) == "state_too_large");
  CHECK(to_string(screens_error::too_many_screens) == "too_many_screens");
  CHECK(to_string(screens_error::rate_limited) == "rate_limited");
  auto err = caf::make_error(screens_error::state_too_large);
  REQUIRE(as_screens_error(err));
  CHECK(*as_screens_error(err) == screens_error::state_too_large);
  CHECK_FALSE(as_screens_error(caf::make_error(caf::sec::request_timeout)));
  CHECK_FALSE(as_screens_error(caf::error{}));
}

TEST_CASE_METHOD(screens_fixture,
                 "screens: a session can leave all its screens at once",
                 "[screens]") {
  auto s = start({});
  auto a = make_watcher();
  auto b = make_watcher();
  CHECK(join(s, "one", a.handle) == "{}");
  CHECK(join(s, "two", a.handle) == "{}");
  CHECK(join(s, "two", b.handle) == "{}");
  caf::anon_send(s, atom::leave_screen_v, a.handle);
  caf::anon_send(s, atom::leave_screen_v, a.handle); // harmless twice
  run();
  set(s, "one", R"({"k": 1})", b.handle);
  set(s, "two", R"({"k": 2})", b.handle);
  CHECK(a.log->states.empty());
  // a joins again: it is a member as before.
  CHECK(join(s, "two", a.handle) == R"({"k":2})");
  set(s, "two", R"({"k": 3})", b.handle);
  CHECK(a.log->states.size() == 1);
}

TEST_CASE_METHOD(screens_fixture,
                 "screens: a session that ends leaves all its screens",
                 "[screens]") {
  screens_config cfg;
  cfg.limits.max_screens = 2;
  auto s = start(cfg);
  auto a = make_watcher();
  auto b = make_watcher();
  CHECK(join(s, "one", a.handle) == "{}");
  CHECK(join(s, "two", a.handle) == "{}");
  CHECK(join(s, "two", b.handle) == "{}");
  CHECK(refusal<std::string>(s, atom::join_screen_v, std::string{"three"},
                             b.handle)
        == screens_error::too_many_screens);

  caf::anon_send_exit(a.handle, caf::exit_reason::kill);
  run();

  // "one" had only the dead member and no state: gone, so "three" fits.
  CHECK(join(s, "three", b.handle) == "{}");
  // "two" lives on with b; a change by b reaches nobody else.
  set(s, "two", R"({"k": true})", b.handle);
  CHECK(a.log->states.empty());
  CHECK(b.log->states.empty());
}

TEST_CASE_METHOD(screens_fixture,
                 "screens: screens.json is written behind a timer and at "
                 "exit, and restored at start",
                 "[screens]") {
  auto cfg = persistent_config();
  cfg.write_delay = 1000ms;
  auto s = start(cfg);
  auto a = make_watcher();

  set(s, "cockpit", R"({"page": 1})", a.handle);
  CHECK_FALSE(std::filesystem::exists(file()));
  advance(500ms);
  CHECK_FALSE(std::filesystem::exists(file()));
  // A second change inside the delay is written with the first.
  set(s, "cockpit", R"({"page": 2})", a.handle);
  set(s, "empty", "{}", a.handle);
  CHECK(join(s, "joined_only", a.handle) == "{}");
  advance(499ms);
  CHECK_FALSE(std::filesystem::exists(file()));
  advance(1ms);
  REQUIRE(std::filesystem::exists(file()));
  auto text = file_text();
  CHECK(saved_state(text, "cockpit") == R"({"page":2})");
  // Empty states are not worth a line in the file.
  CHECK(saved_state(text, "empty").empty());
  CHECK(saved_state(text, "joined_only").empty());

  // At exit, whatever is not in the file yet is written at once.
  set(s, "cockpit", R"({"page": 3})", a.handle);
  set(s, "radar", R"({"range": [1, 2]})", a.handle);
  caf::anon_send_exit(s, caf::exit_reason::user_shutdown);
  run();
  text = file_text();
  CHECK(saved_state(text, "cockpit") == R"({"page":3})");
  CHECK(saved_state(text, "radar") == R"({"range":[1,2]})");

  // A new actor starts from the file.
  auto again = start(cfg);
  CHECK(join(again, "cockpit", a.handle) == R"({"page":3})");
  CHECK(join(again, "radar", a.handle) == R"({"range":[1,2]})");
  CHECK(join(again, "empty", a.handle) == "{}");
}

TEST_CASE_METHOD(screens_fixture,
                 "screens: a corrupt screens.json stops the start and is "
                 "left alone",
                 "[screens]") {
  auto cfg = persistent_config();
  std::string content = GENERATE(
    std::string{"{not json"}, std::string{"[]"},
    std::string{R"({"screens": {}})"},
    std::string{R"({"version": 2, "screens": {}})"},
    std::string{R"({"version": 1, "screens": []})"},
    std::string{R"({"version": 1, "screens": {"bad name": {}}})"},
    std::string{R"({"version": 1, "screens": {"ok": [1]}})"},
    std::string{R"({"version": 1, "screens": {"ok": {"x": 1e400}}})"});
  {
    std::ofstream out{file(), std::ios::binary};
    out << content;
  }
  std::string error;
  auto h = spawn_screens(sys(), cfg, false, error);
  CHECK_FALSE(h);
  INFO(error);
  CHECK(error.find(file().string()) != std::string::npos);
  CHECK(error.find("It was not changed") != std::string::npos);
  CHECK(file_text() == content);
}

TEST_CASE_METHOD(screens_fixture,
                 "screens: a state over the limit in the file is refused",
                 "[screens]") {
  auto cfg = persistent_config();
  cfg.limits.max_state_bytes = 16;
  {
    std::ofstream out{file(), std::ios::binary};
    out << R"({"version": 1, "screens": {"a": {"text": "0123456789abcdef"}}})";
  }
  std::string error;
  CHECK_FALSE(spawn_screens(sys(), cfg, false, error));
  CHECK(error.find("larger than 16 bytes") != std::string::npos);

  // Without a data dir nothing is read or written.
  screens_config memory_only;
  auto s = start(memory_only);
  auto a = make_watcher();
  set(s, "a", R"({"x": 1})", a.handle);
  caf::anon_send_exit(s, caf::exit_reason::user_shutdown);
  run();
}
