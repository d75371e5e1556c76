#include "tools/conformance/conformance_listener.hpp"

#include <array>
#include <optional>

#include "actors/engineio_router.hpp"
#include "actors/port_sinks.hpp"
#include "tools/conformance/echo_session.hpp"
#include "tools/conformance/test_app_session.hpp"

namespace openmfd::conformance {

namespace {

using actors::engineio_router;
using actors::exchange_ptr;

/// One app: its path, its sessions and how to start one.
struct app_route {
  std::string_view path;
  actors::engineio_settings settings;
  std::optional<engineio_router> sessions;
  decltype(&spawn_echo_session) spawn;
};

struct listener_state {
  static inline const char* name = "conformance_listener";
  std::shared_ptr<net::acceptor_port> acceptor;
  std::array<app_route, 2> apps;
};

using self_ptr = conformance_listener::stateful_pointer<listener_state>;

void route(self_ptr self, const exchange_ptr& exchange) {
  for (auto& app : self->state.apps) {
    if (exchange->request().path() != app.path)
      continue;
    if (app.sessions->route(self, exchange))
      app.sessions->open(
        self, exchange,
        [self, &app](std::string sid, std::uint64_t serial,
                     exchange_ptr handshake) {
          return app.spawn(self->system(), std::move(sid), serial,
                           app.settings, std::move(handshake));
        });
    return;
  }
  exchange->respond(protocol::json_error(404, "not_found"));
}

conformance_listener::behavior_type
listener(self_ptr self, std::shared_ptr<net::acceptor_port> acceptor,
         conformance_settings settings) {
  auto& st = self->state;
  st.acceptor = std::move(acceptor);
  st.apps = {app_route{"/engine.io/", settings.engineio, std::nullopt,
                       &spawn_echo_session},
             app_route{"/socket.io/", settings.socketio, std::nullopt,
                       &spawn_test_app_session}};
  // Every conformance client comes from one address: no share per address.
  for (auto& app : st.apps)
    app.sessions.emplace(app.settings.max_sessions, app.settings.max_sessions);
  st.acceptor->start(actors::make_request_sink(self->address()));
  self->attach_functor([acceptor = st.acceptor] { acceptor->close(); });
  self->set_down_handler([self](caf::down_msg& msg) {
    for (auto& app : self->state.apps)
      if (app.sessions->forget(msg.source))
        return;
  });
  return {
    [self](atom::http, const exchange_ptr& exchange) { route(self, exchange); },
    [self](atom::shutdown) {
      for (auto& app : self->state.apps)
        app.sessions->close_all();
      self->quit();
    },
  };
}

} // namespace

conformance_settings test_suite_settings() {
  actors::engineio_settings engineio;
  engineio.ping_interval = std::chrono::milliseconds{300};
  engineio.ping_timeout = std::chrono::milliseconds{200};
  engineio.max_payload = 1'000'000;
  engineio.connect_timeout = std::chrono::milliseconds{0};
  auto socketio = engineio;
  socketio.connect_timeout = std::chrono::milliseconds{1000};
  return {engineio, socketio};
}

conformance_listener
spawn_conformance_listener(caf::actor_system& sys,
                           std::shared_ptr<net::acceptor_port> acceptor,
                           conformance_settings settings) {
  return sys.spawn(listener, std::move(acceptor), std::move(settings));
}

} // namespace openmfd::conformance
