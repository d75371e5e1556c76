#include "actors/listener_actor.hpp"

#include <memory>
#include <string>

#include <catch2/catch.hpp>

#include "actors/approval_actor.hpp"
#include "actors/auth_actor.hpp"
#include "actors/screens_actor.hpp"
#include "net/ports.hpp"
#include "tests/actors/actor_fixture.hpp"

using namespace openmfd;
using namespace openmfd::actors;

namespace {

/// Records what the listener does with its acceptor.
class fake_acceptor : public net::acceptor_port {
public:
  bool started = false;
  bool closed = false;

  void start(std::shared_ptr<net::request_sink>) override {
    started = true;
  }
  void close() override {
    closed = true;
  }
  std::uint16_t port() const noexcept override {
    return 6789;
  }
};

/// Records when the watched actor ends.
caf::behavior watcher(caf::event_based_actor* self, caf::actor target,
                      std::shared_ptr<bool> down) {
  self->monitor(target);
  self->set_down_handler([down](caf::down_msg&) { *down = true; });
  return {[](int) {}};
}

class listener_fixture : public test::actor_fixture {
public:
  std::shared_ptr<fake_acceptor> acceptor = std::make_shared<fake_acceptor>();
  listener_actor listener;
  /// Whether the listener, auth, approval and screens actors ended.
  std::shared_ptr<bool> ended[4];

  void start() {
    auto approval = track(spawn_approval(sys(), {}, false));
    std::string error;
    auto auth = track(spawn_auth(sys(), {dir, approval}, false, error));
    REQUIRE(auth);
    auto screens = track(spawn_screens(sys(), {}, false, error));
    REQUIRE(screens);
    listener_config cfg;
    cfg.acceptor = acceptor;
    cfg.auth = auth;
    cfg.approval = approval;
    cfg.screens = screens;
    listener = track(spawn_listener(sys(), std::move(cfg)));
    caf::actor all[] = {caf::actor_cast<caf::actor>(listener),
                        caf::actor_cast<caf::actor>(auth),
                        caf::actor_cast<caf::actor>(approval),
                        caf::actor_cast<caf::actor>(screens)};
    for (int i = 0; i < 4; ++i) {
      ended[i] = std::make_shared<bool>(false);
      track(sys().spawn(watcher, all[i], ended[i]));
    }
    run();
    REQUIRE(acceptor->started);
  }

  bool all_ended() const {
    for (const auto& e : ended)
      if (!*e)
        return false;
    return true;
  }
};

} // namespace

TEST_CASE_METHOD(listener_fixture,
                 "however the listener ends, the actors it started end too",
                 "[listener]") {
  start();
  SECTION("a shutdown") {
    caf::anon_send(listener, atom::shutdown_v);
    run();
    CHECK(acceptor->closed);
    CHECK(all_ended());
    CHECK(log_text().find("listener failed") == std::string::npos);
  }
  SECTION("a failure of its own: the server stops instead of hanging") {
    caf::anon_send_exit(listener, caf::exit_reason::unhandled_exception);
    run();
    CHECK(acceptor->closed);
    CHECK(all_ended());
    CHECK(log_text().find("the listener failed") != std::string::npos);
  }
}
