#pragma once

// A deterministic actor system for the actor tests: CAF 0.17's test
// coordinator (virtual time, nothing runs until the test says so), a private
// data dir, a recording console and a captured log.
//
// CAF's own caf/test/dsl.hpp fixture needs CAF's unit-test engine (argc/argv,
// CAF_FAIL), so it is not used under Catch2; this is the part of it we need.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <caf/all.hpp>
#include <caf/scheduler/test_coordinator.hpp>
#include <catch2/catch.hpp>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include "actors/messages.hpp"
#include "protocol/identity.hpp"
#include "tests/support/temp_dir.hpp"

namespace openmfd::test {

/// A reply as a one-shot requester saw it.
template <class T>
struct reply {
  std::optional<T> value;
  caf::error error;
  bool arrived() const {
    return value.has_value() || static_cast<bool>(error);
  }
};

/// Asks `dest` once and records the answer; lives until the answer comes.
template <class T, class Handle, class... Ts>
void requester(caf::event_based_actor* self, std::shared_ptr<reply<T>> out,
               Handle dest, Ts... xs) {
  // No timeout: under virtual time a timeout would only fire when the test
  // advances the clock, and the tests want to see the actors' own deadlines.
  self->request(dest, caf::infinite, xs...)
    .then([out](T& x) { out->value = std::move(x); },
          [out](caf::error& err) { out->error = std::move(err); });
}

/// What a fake session actor was told by the auth actor.
struct session_log {
  std::vector<std::pair<std::string, std::int64_t>> tokens;
  int revoked = 0;
  int checks = 0; ///< check_alive: the client connected again elsewhere
};

inline caf::behavior session_recorder(caf::event_based_actor*,
                                      std::shared_ptr<session_log> record) {
  return {
    [record](atom::token, const std::string& token, std::int64_t expires_in) {
      record->tokens.emplace_back(token, expires_in);
    },
    [record](atom::revoked) { ++record->revoked; },
    [record](atom::check_alive) { ++record->checks; },
  };
}

/// A client id: a real UUID v4 made from `seed`.
inline std::string client_id(std::uint8_t seed) {
  protocol::uuid_bytes bytes;
  for (std::size_t i = 0; i < bytes.size(); ++i)
    bytes[i] = static_cast<std::uint8_t>(seed * 31 + i * 7);
  return protocol::make_uuid_v4(bytes);
}

class actor_fixture {
public:
  actor_fixture()
    : sys_(init(cfg_)),
      sched(dynamic_cast<caf::scheduler::test_coordinator&>(sys_.scheduler())),
      dir(temp_.path()),
      console(std::make_shared<std::vector<std::string>>()) {
    // Capture what the actors log, to check what never may appear there.
    previous_logger_ = spdlog::default_logger();
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(log_text_);
    auto logger = std::make_shared<spdlog::logger>("test", sink);
    logger->set_pattern("%l %v");
    spdlog::set_default_logger(logger);
  }

  actor_fixture(const actor_fixture&) = delete;
  actor_fixture& operator=(const actor_fixture&) = delete;

  virtual ~actor_fixture() {
    // Every actor must end, or ~actor_system waits for it forever: the
    // clock's pending timers keep the auth actor referenced.
    for (auto& a : spawned_)
      caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    run_bounded(); // no REQUIRE here: a destructor must not throw
    spawned_.clear();
    spdlog::set_default_logger(previous_logger_);
  }

  /// Runs every ready job (never fires a timer); bounded so that a livelock
  /// fails the test instead of hanging it.
  std::size_t run() {
    auto n = run_bounded();
    REQUIRE(n < max_jobs);
    return n;
  }

  /// Moves virtual time on by `d`, delivers what fell due, runs it all.
  template <class Duration>
  void advance(Duration d) {
    sched.advance_time(std::chrono::duration_cast<caf::timespan>(d));
    run();
  }

  /// Asks `dest` (atom first) and runs until nothing is left to do; the
  /// reply may still be pending if an actor holds on to the request.
  template <class T, class Handle, class... Ts>
  std::shared_ptr<reply<T>> ask(const Handle& dest, Ts... xs) {
    auto out = std::make_shared<reply<T>>();
    track(sys_.spawn(&requester<T, Handle, Ts...>, out, dest, xs...));
    run();
    return out;
  }

  /// A fake session actor; its log records the auth actor's pushes.
  std::pair<caf::actor, std::shared_ptr<session_log>> make_session() {
    auto record = std::make_shared<session_log>();
    auto session = sys_.spawn(session_recorder, record);
    track(session);
    run();
    return {session, record};
  }

  /// Remembers `h` so that the fixture ends it.
  template <class Handle>
  Handle track(Handle h) {
    spawned_.push_back(caf::actor_cast<caf::actor>(h));
    return h;
  }

  caf::actor_system& sys() {
    return sys_;
  }

  /// Everything logged so far.
  std::string log_text() const {
    return log_text_.str();
  }

  /// All console output so far, in one string.
  std::string console_text() const {
    std::string all;
    for (const auto& s : *console)
      all += s;
    return all;
  }

  /// How many prompts ("Pairing request from ...") were printed.
  std::size_t prompts() const {
    std::size_t n = 0;
    for (const auto& s : *console)
      if (s.find("Pairing request from") != std::string::npos)
        ++n;
    return n;
  }

private:
  static constexpr std::size_t max_jobs = 100'000;

  std::size_t run_bounded() {
    std::size_t n = 0;
    while (n < max_jobs && sched.try_run_once())
      ++n;
    return n;
  }

  static caf::actor_system_config& init(caf::actor_system_config& cfg) {
    cfg.set("scheduler.policy", caf::atom("testing"));
    cfg.set("logger.file-verbosity", caf::atom("quiet"));
    cfg.set("logger.console-verbosity", caf::atom("quiet"));
    cfg.add_message_types<caf::id_block::openmfd>();
    return cfg;
  }


  caf::actor_system_config cfg_;
  caf::actor_system sys_;

  temp_dir temp_{"openmfd-actors"};

public:
  caf::scheduler::test_coordinator& sched;
  const std::filesystem::path dir; ///< a fresh data dir, removed afterwards
  /// Every string the approval actor printed, in order.
  std::shared_ptr<std::vector<std::string>> console;

private:
  std::ostringstream log_text_;
  std::shared_ptr<spdlog::logger> previous_logger_;
  std::vector<caf::actor> spawned_;
};

} // namespace openmfd::test
