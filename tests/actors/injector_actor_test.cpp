// The injector: key scripts in one FIFO, timed by timers (virtual time here),
// answered after their last key event; held keys reference-counted across
// sessions; everything a session had going stops when it ends; the longest
// hold; busy; every key up at exit. The backend is a recorder that stamps
// each event with the test scheduler's clock.

#include "actors/injector_actor.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "actor_fixture.hpp"
#include "protocol/key_combo.hpp"
#include "protocol/key_names.hpp"
#include "protocol/key_script.hpp"

using namespace openmfd;
using namespace openmfd::actors;
using namespace std::chrono_literals;
using protocol::hid_usage;

namespace {

constexpr hid_usage key_f = 0x09;
constexpr hid_usage key_j = 0x0D;
constexpr hid_usage key_k = 0x0E;
constexpr hid_usage key_w = 0x1A;
constexpr hid_usage key_lshift = 0xE1;
constexpr hid_usage key_lalt = 0xE2;

/// Remembers every key event, as "+lalt@10" (down, name, ms since start).
class recording_backend final : public platform::keyboard_backend {
public:
  explicit recording_backend(std::function<std::int64_t()> now_ms)
    : now_ms_(std::move(now_ms)) {
    // nop
  }

  std::error_code send(const platform::key_event& event) noexcept override {
    if (fail)
      return platform::backend_errc::rejected;
    if (event.down && std::string_view{event.name} == unavailable)
      return platform::backend_errc::unmapped_key;
    events.push_back((event.down ? "+" : "-") + std::string{event.name} + "@"
                     + std::to_string(now_ms_()));
    codes.push_back(event.codes);
    return {};
  }

  std::string_view name() const noexcept override {
    return "test";
  }

  std::vector<std::string> events;
  std::vector<platform::key_codes> codes;
  bool fail = false;
  std::string unavailable; ///< a key name this keyboard has not

private:
  std::function<std::int64_t()> now_ms_;
};

/// What a fake session was told by the injector.
struct session_log {
  std::vector<hid_usage> expired;
};

caf::behavior fake_session(caf::event_based_actor*,
                           std::shared_ptr<session_log> log) {
  return {
    [log](atom::hold_expired, hid_usage key) { log->expired.push_back(key); },
  };
}

struct session {
  caf::actor handle;
  std::shared_ptr<session_log> log;
};

using events = std::vector<std::string>;

class injector_fixture : public test::actor_fixture {
public:
  injector_fixture() : t0(sched.clock().now()) {
    backend = std::make_shared<recording_backend>([this] {
      return std::chrono::duration_cast<std::chrono::milliseconds>(
               sched.clock().now() - t0)
        .count();
    });
  }

  injector_actor start(injector_config cfg = {}) {
    auto h = spawn_injector(sys(), cfg, backend, false);
    REQUIRE(h);
    track(h);
    run();
    return h;
  }

  session make_session() {
    auto log = std::make_shared<session_log>();
    auto h = track(sys().spawn(fake_session, log));
    run();
    return {h, log};
  }

  /// Moves virtual time on 1 ms at a time, so that every timer fires at its
  /// own time and the recorded times are exact.
  void tick(std::chrono::milliseconds d) {
    for (auto i = 0; i < d.count(); ++i)
      advance(1ms);
  }

  /// The time since the fixture started, in ms.
  std::int64_t now_ms() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
             sched.clock().now() - t0)
      .count();
  }

  std::shared_ptr<recording_backend> backend;
  const caf::actor_clock::time_point t0;
};

/// A job for `combo` in `mode` with the default 50 ms hold and 10 ms gap.
key_job job(const std::string& combo,
            protocol::activation_mode mode = protocol::activation_mode::press,
            const std::string& label = {}) {
  auto parsed = protocol::parse_key_combo(combo);
  REQUIRE(parsed.has_value());
  auto script = protocol::compile_key_script(*parsed, mode);
  REQUIRE(script.has_value());
  return key_job{"Test panel", label.empty() ? combo : label, *script};
}

std::optional<injector_error> refusal(const caf::error& err) {
  return as_injector_error(err);
}

} // namespace

TEST_CASE_METHOD(injector_fixture,
                 "injector: a script's steps run in order, timed by timers, "
                 "and the answer follows the last key event",
                 "[injector]") {
  auto inj = start();
  auto s = make_session();
  auto done = ask<bool>(inj, atom::run_v, s.handle,
                        key_job{"Alice's tablet", "spaceship_general.v_exit",
                                job("lalt+f").script});
  // press: lalt down, 10 ms gap, f down, 50 ms hold, f up, gap, lalt up.
  CHECK(backend->events == events{"+lalt@0"});
  tick(9ms);
  CHECK(backend->events == events{"+lalt@0"});
  tick(1ms);
  CHECK(backend->events == events{"+lalt@0", "+f@10"});
  tick(59ms);
  CHECK(backend->events == events{"+lalt@0", "+f@10", "-f@60"});
  CHECK_FALSE(done->arrived());
  tick(1ms);
  CHECK(backend->events == events{"+lalt@0", "+f@10", "-f@60", "-lalt@70"});
  REQUIRE(done->value);
  CHECK(*done->value);

  // The injector fills in every OS's code from the key table, and the name.
  REQUIRE(backend->codes.size() == 4);
  const auto* lalt = protocol::find_key(key_lalt);
  REQUIRE(lalt);
  CHECK(backend->codes[0].hid == key_lalt);
  CHECK(backend->codes[0].win_scancode == lalt->windows.code);
  CHECK(backend->codes[0].win_extended == lalt->windows.extended);
  CHECK(backend->codes[0].mac_keycode == lalt->macos);
  CHECK(backend->codes[0].evdev == lalt->evdev);
  CHECK(backend->codes[0].x11_keysym == lalt->x11);

  // The log names the action and the client, nothing else.
  CHECK(log_text().find("spaceship_general.v_exit for Alice's tablet")
        != std::string::npos);
}

TEST_CASE_METHOD(injector_fixture,
                 "injector: scripts of all sessions run one at a time, in "
                 "arrival order",
                 "[injector]") {
  auto inj = start();
  auto a = make_session();
  auto b = make_session();
  auto first = ask<bool>(inj, atom::run_v, a.handle, job("lalt+f"));
  auto second = ask<bool>(inj, atom::run_v, b.handle, job("k"));
  auto third = ask<bool>(inj, atom::run_v, a.handle,
                         job("j", protocol::activation_mode::double_tap));
  tick(70ms);
  CHECK(first->value);
  CHECK_FALSE(second->arrived());
  // "k": no modifier, so down at once after the first script, up 50 ms on.
  tick(50ms);
  CHECK(second->value);
  CHECK_FALSE(third->arrived());
  // double_tap: j down, 50, up, 50, down, 50, up.
  tick(150ms);
  CHECK(third->value);
  CHECK(backend->events
        == events{"+lalt@0", "+f@10", "-f@60", "-lalt@70", "+k@70", "-k@120",
                  "+j@120", "-j@170", "+j@220", "-j@270"});
}

TEST_CASE_METHOD(injector_fixture,
                 "injector: a script of no waits runs at once",
                 "[injector]") {
  auto inj = start();
  auto a = make_session();
  auto parsed = protocol::parse_key_combo("lshift+k");
  REQUIRE(parsed.has_value());
  auto script = protocol::compile_key_script(
    *parsed, protocol::activation_mode::press,
    protocol::make_script_options(0ms));
  REQUIRE(script.has_value());
  auto done = ask<bool>(inj, atom::run_v, a.handle,
                        key_job{"bench", "lshift+k", *script});
  CHECK(done->value);
  CHECK(backend->events == events{"+lshift@0", "+k@0", "-k@0", "-lshift@0"});
  // An empty script is answered in its turn too.
  auto empty = ask<bool>(inj, atom::run_v, a.handle,
                         key_job{"bench", "nothing", {}});
  CHECK(empty->value);
}

TEST_CASE_METHOD(injector_fixture, "injector: busy when the FIFO is full",
                 "[injector]") {
  injector_config cfg;
  cfg.max_pending = 2;
  cfg.max_pending_per_session = 8;
  auto inj = start(cfg);
  auto a = make_session();
  auto b = make_session();
  auto c = make_session();
  auto running = ask<bool>(inj, atom::run_v, a.handle, job("f"));
  auto queued = ask<bool>(inj, atom::run_v, b.handle, job("k"));
  auto refused = ask<bool>(inj, atom::run_v, c.handle, job("j"));
  REQUIRE(refused->arrived());
  CHECK(refusal(refused->error) == injector_error::busy);
  CHECK(to_string(injector_error::busy) == "busy");
  tick(50ms);
  CHECK(running->value);
  // One place is free again.
  auto later = ask<bool>(inj, atom::run_v, c.handle, job("j"));
  tick(100ms);
  CHECK(queued->value);
  CHECK(later->value);
  CHECK(backend->events
        == events{"+f@0", "-f@50", "+k@50", "-k@100", "+j@100", "-j@150"});
}

TEST_CASE_METHOD(injector_fixture,
                 "injector: one session cannot take the whole FIFO",
                 "[injector]") {
  injector_config cfg;
  cfg.max_pending = 8;
  cfg.max_pending_per_session = 2;
  auto inj = start(cfg);
  auto a = make_session();
  auto b = make_session();
  auto one = ask<bool>(inj, atom::run_v, a.handle, job("f"));
  auto two = ask<bool>(inj, atom::run_v, a.handle, job("k"));
  auto three = ask<bool>(inj, atom::run_v, a.handle, job("j"));
  CHECK(refusal(three->error) == injector_error::busy);
  auto other = ask<bool>(inj, atom::run_v, b.handle, job("w"));
  CHECK_FALSE(other->arrived());
  tick(150ms);
  CHECK(one->value);
  CHECK(two->value);
  CHECK(other->value);
}

TEST_CASE_METHOD(injector_fixture,
                 "injector: a key stays down while any session holds it",
                 "[injector]") {
  auto inj = start();
  auto a = make_session();
  auto b = make_session();
  auto down = [&](const session& s, hid_usage key) {
    auto r = ask<bool>(inj, atom::key_down_v, s.handle,
                       std::string{"panel"}, key);
    REQUIRE(r->value);
  };
  auto up = [&](const session& s, hid_usage key) {
    auto r = ask<bool>(inj, atom::key_up_v, s.handle, key);
    REQUIRE(r->value);
  };
  down(a, key_lshift);
  CHECK(backend->events == events{"+lshift@0"});
  tick(5ms);
  down(b, key_lshift);
  // Holding twice is one hold.
  down(a, key_lshift);
  CHECK(backend->events.size() == 1);
  up(a, key_lshift);
  CHECK(backend->events.size() == 1);
  // Letting go of a key one does not hold changes nothing.
  up(a, key_lshift);
  up(a, key_w);
  CHECK(backend->events.size() == 1);
  tick(5ms);
  up(b, key_lshift);
  CHECK(backend->events == events{"+lshift@0", "-lshift@10"});

  SECTION("a script's keys count as a holder too") {
    down(a, key_lalt);
    auto done = ask<bool>(inj, atom::run_v, b.handle, job("lalt+f"));
    tick(70ms);
    CHECK(done->value);
    // The script's lalt up did not release a's hold.
    CHECK(backend->events
          == events{"+lshift@0", "-lshift@10", "+lalt@10", "+f@20", "-f@70"});
    up(a, key_lalt);
    CHECK(backend->events.back() == "-lalt@80");
  }
}

TEST_CASE_METHOD(injector_fixture,
                 "injector: a session's keys go up when it ends",
                 "[injector]") {
  auto inj = start();
  auto a = make_session();
  auto b = make_session();
  for (auto key : {key_lshift, key_w})
    REQUIRE(ask<bool>(inj, atom::key_down_v, a.handle, std::string{"A"}, key)
              ->value);
  REQUIRE(ask<bool>(inj, atom::key_down_v, b.handle, std::string{"B"}, key_w)
            ->value);
  CHECK(backend->events == events{"+lshift@0", "+w@0"});
  tick(3ms);
  caf::anon_send_exit(a.handle, caf::exit_reason::kill);
  run();
  // w is still held by b.
  CHECK(backend->events == events{"+lshift@0", "+w@0", "-lshift@3"});
  tick(2ms);
  caf::anon_send_exit(b.handle, caf::exit_reason::kill);
  run();
  CHECK(backend->events
        == events{"+lshift@0", "+w@0", "-lshift@3", "-w@5"});
}

TEST_CASE_METHOD(injector_fixture,
                 "injector: when a session ends its queued scripts are "
                 "dropped and its running script stops",
                 "[injector]") {
  auto inj = start();
  auto a = make_session();
  auto b = make_session();
  auto running = ask<bool>(inj, atom::run_v, a.handle, job("lalt+f"));
  auto queued = ask<bool>(inj, atom::run_v, a.handle, job("j"));
  auto other = ask<bool>(inj, atom::run_v, b.handle, job("k"));
  tick(20ms);
  CHECK(backend->events == events{"+lalt@0", "+f@10"});
  caf::anon_send_exit(a.handle, caf::exit_reason::kill);
  run();
  // Its keys go up at once, its queued script never runs, b's starts now.
  CHECK(backend->events
        == events{"+lalt@0", "+f@10", "-f@20", "-lalt@20", "+k@20"});
  CHECK(refusal(running->error) == injector_error::cancelled);
  CHECK(refusal(queued->error) == injector_error::cancelled);
  // The stopped script's pending timer (f up at 60 ms) does nothing.
  tick(50ms);
  CHECK(other->value);
  CHECK(backend->events
        == events{"+lalt@0", "+f@10", "-f@20", "-lalt@20", "+k@20", "-k@70"});
  CHECK(log_text().find("its keys go up") != std::string::npos);
}

TEST_CASE_METHOD(injector_fixture,
                 "injector: release_all stops everything of one session",
                 "[injector]") {
  auto inj = start();
  auto a = make_session();
  auto b = make_session();
  REQUIRE(ask<bool>(inj, atom::key_down_v, b.handle, std::string{"B"},
                    key_lshift)
            ->value);
  REQUIRE(ask<bool>(inj, atom::key_down_v, a.handle, std::string{"A"},
                    key_lshift)
            ->value);
  REQUIRE(ask<bool>(inj, atom::key_down_v, a.handle, std::string{"A"}, key_w)
            ->value);
  auto running = ask<bool>(inj, atom::run_v, a.handle, job("lalt+f"));
  auto queued = ask<bool>(inj, atom::run_v, a.handle, job("j"));
  tick(15ms);
  auto released = ask<bool>(inj, atom::release_all_v, a.handle);
  REQUIRE(released->value);
  CHECK(refusal(running->error) == injector_error::cancelled);
  CHECK(refusal(queued->error) == injector_error::cancelled);
  // lshift stays down for b.
  CHECK(backend->events
        == events{"+lshift@0", "+w@0", "+lalt@0", "+f@10", "-w@15", "-f@15",
                  "-lalt@15"});
  // The session can go on afterwards.
  auto next = ask<bool>(inj, atom::run_v, a.handle, job("k"));
  tick(50ms);
  CHECK(next->value);
  // release_all of a session the injector does not know is harmless.
  auto c = make_session();
  CHECK(ask<bool>(inj, atom::release_all_v, c.handle)->value);
}

TEST_CASE_METHOD(injector_fixture,
                 "injector: the longest hold releases the key and tells the "
                 "session",
                 "[injector]") {
  injector_config cfg;
  cfg.max_hold = 1000ms;
  auto inj = start(cfg);
  auto a = make_session();
  auto b = make_session();
  REQUIRE(ask<bool>(inj, atom::key_down_v, a.handle, std::string{"A"},
                    key_lshift)
            ->value);
  // b presses and lets go of w, then presses it again: the first hold's
  // timer must not end the second.
  REQUIRE(ask<bool>(inj, atom::key_down_v, b.handle, std::string{"B"}, key_w)
            ->value);
  tick(500ms);
  REQUIRE(ask<bool>(inj, atom::key_up_v, b.handle, key_w)->value);
  tick(100ms);
  REQUIRE(ask<bool>(inj, atom::key_down_v, b.handle, std::string{"B"}, key_w)
            ->value);
  // Holding again does not restart the clock.
  tick(200ms);
  REQUIRE(ask<bool>(inj, atom::key_down_v, a.handle, std::string{"A"},
                    key_lshift)
            ->value);
  tick(199ms);
  CHECK(a.log->expired.empty());
  tick(1ms);
  CHECK(now_ms() == 1000);
  CHECK(a.log->expired == std::vector<hid_usage>{key_lshift});
  CHECK(b.log->expired.empty());
  CHECK(backend->events
        == events{"+lshift@0", "+w@0", "-w@500", "+w@600", "-lshift@1000"});
  // Letting go after it expired is fine and changes nothing.
  REQUIRE(ask<bool>(inj, atom::key_up_v, a.handle, key_lshift)->value);
  tick(600ms);
  CHECK(b.log->expired == std::vector<hid_usage>{key_w});
  CHECK(backend->events.back() == "-w@1600");
  CHECK(log_text().find("longest hold") != std::string::npos);
}

TEST_CASE_METHOD(injector_fixture, "injector: every key goes up at exit",
                 "[injector]") {
  auto inj = start();
  auto a = make_session();
  auto b = make_session();
  REQUIRE(ask<bool>(inj, atom::key_down_v, a.handle, std::string{"A"},
                    key_lshift)
            ->value);
  REQUIRE(ask<bool>(inj, atom::key_down_v, b.handle, std::string{"B"},
                    key_lshift)
            ->value);
  auto running = ask<bool>(inj, atom::run_v, b.handle, job("lalt+f"));
  auto queued = ask<bool>(inj, atom::run_v, a.handle, job("k"));
  tick(30ms);
  caf::anon_send_exit(inj, caf::exit_reason::user_shutdown);
  run();
  CHECK(refusal(running->error) == injector_error::cancelled);
  CHECK(refusal(queued->error) == injector_error::cancelled);
  // The script's keys and the held key, each once.
  auto e = backend->events;
  REQUIRE(e.size() == 6);
  CHECK(e[0] == "+lshift@0");
  CHECK(e[1] == "+lalt@0");
  CHECK(e[2] == "+f@10");
  std::sort(e.begin() + 3, e.end());
  CHECK(e[3] == "-f@30");
  CHECK(e[4] == "-lalt@30");
  CHECK(e[5] == "-lshift@30");
}

// Sessions ask the injector without a timeout, so even an end that skips the
// exit handler must answer everyone still waiting.
TEST_CASE_METHOD(injector_fixture,
                 "injector: a killed injector still answers every request",
                 "[injector]") {
  auto inj = start();
  auto a = make_session();
  auto running = ask<bool>(inj, atom::run_v, a.handle, job("lalt+f"));
  auto queued = ask<bool>(inj, atom::run_v, a.handle, job("k"));
  tick(30ms);
  caf::anon_send_exit(inj, caf::exit_reason::kill);
  run();
  REQUIRE(running->error);
  REQUIRE(queued->error);
  CHECK(refusal(running->error) == injector_error::cancelled);
  CHECK(refusal(queued->error) == injector_error::cancelled);
  REQUIRE(backend->events.size() == 4);
  CHECK(backend->events[2].rfind("-", 0) == 0);
  CHECK(backend->events[3].rfind("-", 0) == 0);
}

TEST_CASE_METHOD(injector_fixture, "injector: bad requests get precise errors",
                 "[injector]") {
  injector_config cfg;
  cfg.max_script_steps = 4;
  cfg.max_held_per_session = 2;
  cfg.max_hold = 1000ms;
  auto inj = start(cfg);
  auto a = make_session();
  using protocol::key_step;

  SECTION("keys not in the table") {
    auto r = ask<bool>(inj, atom::key_down_v, a.handle, std::string{"A"},
                       hid_usage{0xFFFF});
    CHECK(refusal(r->error) == injector_error::unknown_key);
    r = ask<bool>(inj, atom::key_up_v, a.handle, hid_usage{0xFFFF});
    CHECK(refusal(r->error) == injector_error::unknown_key);
    r = ask<bool>(inj, atom::run_v, a.handle,
                  key_job{"A", "odd",
                          {key_step::down(0xFFFF), key_step::up(0xFFFF)}});
    CHECK(refusal(r->error) == injector_error::unknown_key);
    CHECK(backend->events.empty());
  }
  SECTION("scripts: too many steps, negative or too long waits") {
    auto r = ask<bool>(inj, atom::run_v, a.handle,
                       key_job{"A", "long",
                               {key_step::down(key_f), key_step::up(key_f),
                                key_step::down(key_f), key_step::up(key_f),
                                key_step::down(key_f)}});
    CHECK(refusal(r->error) == injector_error::invalid_script);
    r = ask<bool>(inj, atom::run_v, a.handle,
                  key_job{"A", "negative", {key_step::wait(-1ms)}});
    CHECK(refusal(r->error) == injector_error::invalid_script);
    r = ask<bool>(inj, atom::run_v, a.handle,
                  key_job{"A", "slow",
                          {key_step::wait(600ms), key_step::wait(401ms)}});
    CHECK(refusal(r->error) == injector_error::invalid_script);
    CHECK(backend->events.empty());
  }
  SECTION("held keys per session") {
    for (auto key : {key_f, key_j})
      REQUIRE(ask<bool>(inj, atom::key_down_v, a.handle, std::string{"A"},
                        key)
                ->value);
    auto r = ask<bool>(inj, atom::key_down_v, a.handle, std::string{"A"},
                       key_k);
    CHECK(refusal(r->error) == injector_error::too_many_keys);
    // Another session has its own allowance.
    auto b = make_session();
    CHECK(ask<bool>(inj, atom::key_down_v, b.handle, std::string{"B"}, key_k)
            ->value);
  }
  CHECK(to_string(injector_error::unknown_key) == "unknown_key");
  CHECK(to_string(injector_error::invalid_script) == "invalid_script");
  CHECK(to_string(injector_error::too_many_keys) == "too_many_keys");
  CHECK(to_string(injector_error::backend_failed) == "backend_failed");
  CHECK(to_string(injector_error::cancelled) == "cancelled");
  CHECK(to_string(injector_error::key_unavailable) == "key_unavailable");
  CHECK_FALSE(as_injector_error(caf::error{}));
  CHECK_FALSE(as_injector_error(caf::make_error(caf::sec::request_timeout)));
}

TEST_CASE_METHOD(injector_fixture,
                 "injector: a key this host has not is key_unavailable",
                 "[injector]") {
  auto inj = start();
  auto a = make_session();
  backend->unavailable = "lshift";
  auto r = ask<bool>(inj, atom::key_down_v, a.handle, std::string{"A"},
                     key_lshift);
  CHECK(refusal(r->error) == injector_error::key_unavailable);
  r = ask<bool>(inj, atom::run_v, a.handle, job("lshift+f"));
  CHECK(refusal(r->error) == injector_error::key_unavailable);
  CHECK(backend->events.empty()); // nothing went down
}

TEST_CASE_METHOD(injector_fixture,
                 "injector: a backend that fails leaves nothing half done",
                 "[injector]") {
  auto inj = start();
  auto a = make_session();
  backend->fail = true;
  auto r = ask<bool>(inj, atom::key_down_v, a.handle, std::string{"A"},
                     key_lshift);
  CHECK(refusal(r->error) == injector_error::backend_failed);
  r = ask<bool>(inj, atom::run_v, a.handle, job("lalt+f"));
  CHECK(refusal(r->error) == injector_error::backend_failed);
  // The failed presses are not counted: once the backend works, keys go
  // down and up again as usual.
  backend->fail = false;
  REQUIRE(ask<bool>(inj, atom::key_down_v, a.handle, std::string{"A"},
                    key_lshift)
            ->value);
  auto done = ask<bool>(inj, atom::run_v, a.handle, job("lalt+f"));
  tick(70ms);
  CHECK(done->value);
  REQUIRE(ask<bool>(inj, atom::key_up_v, a.handle, key_lshift)->value);
  CHECK(backend->events
        == events{"+lshift@0", "+lalt@0", "+f@10", "-f@60", "-lalt@70",
                  "-lshift@70"});
}

// A release the backend refuses leaves the key down in the OS: it is tried
// again until it takes, and at exit, not forgotten.
TEST_CASE_METHOD(injector_fixture,
                 "injector: a refused release is tried again until it takes",
                 "[injector]") {
  auto inj = start();
  auto a = make_session();
  REQUIRE(ask<bool>(inj, atom::key_down_v, a.handle, std::string{"A"},
                    key_lshift)
            ->value);
  REQUIRE(ask<bool>(inj, atom::key_down_v, a.handle, std::string{"A"}, key_w)
            ->value);
  backend->fail = true;
  auto r = ask<bool>(inj, atom::key_up_v, a.handle, key_lshift);
  CHECK(refusal(r->error) == injector_error::backend_failed);
  tick(300ms); // still refused
  CHECK(backend->events == events{"+lshift@0", "+w@0"});
  backend->fail = false;
  tick(100ms);
  CHECK(backend->events == events{"+lshift@0", "+w@0", "-lshift@400"});
  tick(1s); // taken: not sent again
  CHECK(backend->events.size() == 3);

  SECTION("and at exit, if it never takes") {
    backend->fail = true;
    REQUIRE_FALSE(ask<bool>(inj, atom::key_up_v, a.handle, key_w)->value);
    backend->fail = false;
    caf::anon_send_exit(inj, caf::exit_reason::user_shutdown);
    run();
    CHECK(backend->events.back() == "-w@1400");
  }
}

TEST_CASE("injector: a detached injector runs scripts on its own thread",
          "[injector]") {
  caf::actor_system_config cfg;
  cfg.set("logger.file-verbosity", caf::atom("quiet"));
  cfg.set("logger.console-verbosity", caf::atom("quiet"));
  cfg.add_message_types<caf::id_block::openmfd>();
  caf::actor_system sys{cfg};
  // Off the test scheduler there is no fixture to catch the log.
  auto previous_logger = spdlog::default_logger();
  spdlog::set_default_logger(std::make_shared<spdlog::logger>("quiet"));
  auto backend = std::make_shared<recording_backend>([] { return 0; });
  auto inj = spawn_injector(sys, {}, backend, true);
  REQUIRE(inj);
  {
    caf::scoped_actor self{sys};
    auto parsed = protocol::parse_key_combo("lalt+f");
    REQUIRE(parsed.has_value());
    auto script = protocol::compile_key_script(
      *parsed, protocol::activation_mode::press, {2ms, 1ms});
    REQUIRE(script.has_value());
    bool ok = false;
    self
      ->request(inj, 10s, atom::run_v, caf::actor_cast<caf::actor>(self),
                key_job{"T", "lalt+f", *script})
      .receive([&](bool x) { ok = x; },
               [&](caf::error& err) { FAIL(to_string(err)); });
    CHECK(ok);
    self
      ->request(inj, 10s, atom::key_down_v, caf::actor_cast<caf::actor>(self),
                std::string{"T"}, key_lshift)
      .receive([&](bool x) { ok = x; },
               [&](caf::error& err) { FAIL(to_string(err)); });
    CHECK(ok);
  }
  // The scoped actor (the session) is gone: its key goes up.
  caf::anon_send_exit(inj, caf::exit_reason::user_shutdown);
  sys.await_all_actors_done();
  CHECK(backend->events
        == events{"+lalt@0", "+f@0", "-f@0", "-lalt@0", "+lshift@0",
                  "-lshift@0"});
  spdlog::set_default_logger(previous_logger);
}
