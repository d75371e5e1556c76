#include "actors/listener_actor.hpp"

#include "actors/log.hpp"
#include "actors/port_sinks.hpp"
#include "protocol/http_routes.hpp"

namespace openmfd::actors {

namespace {

struct listener_state {
  static inline const char* name = "listener";
  listener_config cfg;
};

void route(listener_state& st, const exchange_ptr& exchange) {
  const auto& req = exchange->request();
  auto match = protocol::route(req.method, req.path());
  switch (match.target) {
    case protocol::endpoint::info:
      return exchange->respond(protocol::json_ok(st.cfg.info_body));
    case protocol::endpoint::method_not_allowed: {
      auto res = protocol::json_error(405, "method_not_allowed");
      res.headers.emplace_back("Allow", match.allow);
      return exchange->respond(std::move(res));
    }
    case protocol::endpoint::not_found:
      break;
  }
  exchange->respond(protocol::json_error(404, "not_found"));
}

listener_actor::behavior_type
listener(listener_actor::stateful_pointer<listener_state> self,
         listener_config cfg) {
  self->state.cfg = std::move(cfg);
  self->state.cfg.acceptor->start(make_request_sink(self->address()));
  // However the listener ends, nothing more is accepted.
  self->attach_functor(
    [acceptor = self->state.cfg.acceptor] { acceptor->close(); });
  return {
    [self](atom::http, const exchange_ptr& exchange) {
      route(self->state, exchange);
    },
    [self](atom::shutdown) {
      log("server").info("shutting down: no new connections");
      self->quit();
    },
  };
}

} // namespace

listener_actor spawn_listener(caf::actor_system& sys, listener_config cfg) {
  return sys.spawn(listener, std::move(cfg));
}

} // namespace openmfd::actors
