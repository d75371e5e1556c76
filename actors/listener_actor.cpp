#include "actors/listener_actor.hpp"

#include "actors/log.hpp"
#include "actors/port_sinks.hpp"
#include "protocol/authorise.hpp"
#include "protocol/http_routes.hpp"

namespace openmfd::actors {

namespace {

struct listener_state {
  static inline const char* name = "listener";
  listener_config cfg;
  std::uint64_t next_request_id = 0;
};

using self_ptr = listener_actor::stateful_pointer<listener_state>;

protocol::http_response to_response(const authorise_outcome& outcome) {
  switch (outcome.verdict) {
    case authorise_verdict::granted:
      return protocol::json_ok(
        protocol::token_body(outcome.token, outcome.expires_in));
    case authorise_verdict::denied:
      return protocol::json_error(403, "denied");
    case authorise_verdict::approval_timeout:
      return protocol::json_error(403, "approval_timeout");
    case authorise_verdict::too_many: {
      auto res = protocol::json_error(429, "too_many_requests");
      res.headers.emplace_back("Retry-After",
                               std::to_string(outcome.retry_after));
      return res;
    }
    case authorise_verdict::withdrawn:
      return protocol::json_error(408, "withdrawn");
    case authorise_verdict::unavailable:
      break;
  }
  return protocol::json_error(503, "unavailable");
}

// The request is held (no thread waits) until the auth actor decides, which
// may take until the person at the host answers.
void authorise(self_ptr self, const exchange_ptr& exchange) {
  auto& st = self->state;
  const auto& req = exchange->request();
  auto parsed
    = protocol::parse_authorise_request(req.header("Content-Type"), req.body);
  if (!parsed) {
    auto code = static_cast<protocol::authorise_errc>(parsed.error().value());
    return exchange->respond(
      protocol::json_error(protocol::http_status(code), to_string(code)));
  }
  auto id = ++st.next_request_id;
  exchange->on_abort([approval = st.cfg.approval, id] {
    caf::anon_send(approval, atom::withdraw_v, id);
  });
  self
    ->request(st.cfg.auth, st.cfg.approval_timeout + std::chrono::seconds{10},
              atom::authorise_v, parsed->client_id, parsed->client_name,
              req.remote_address, id)
    .then(
      [exchange](const authorise_outcome& outcome) {
        exchange->respond(to_response(outcome));
      },
      [exchange](const caf::error& err) {
        log("server").error("authorise failed: {}", to_string(err));
        exchange->respond(protocol::json_error(503, "unavailable"));
      });
}

void route(self_ptr self, const exchange_ptr& exchange) {
  const auto& req = exchange->request();
  auto match = protocol::route(req.method, req.path());
  switch (match.target) {
    case protocol::endpoint::info:
      return exchange->respond(protocol::json_ok(self->state.cfg.info_body));
    case protocol::endpoint::authorise:
      return authorise(self, exchange);
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

listener_actor::behavior_type listener(self_ptr self, listener_config cfg) {
  self->state.cfg = std::move(cfg);
  self->state.cfg.acceptor->start(make_request_sink(self->address()));
  // However the listener ends, nothing more is accepted.
  self->attach_functor(
    [acceptor = self->state.cfg.acceptor] { acceptor->close(); });
  return {
    [self](atom::http, const exchange_ptr& exchange) { route(self, exchange); },
    [self](atom::shutdown) {
      log("server").info("shutting down: no new connections");
      const auto& peers = self->state.cfg;
      self->send_exit(peers.auth, caf::exit_reason::user_shutdown);
      self->send_exit(peers.approval, caf::exit_reason::user_shutdown);
      self->quit();
    },
  };
}

} // namespace

listener_actor spawn_listener(caf::actor_system& sys, listener_config cfg) {
  return sys.spawn(listener, std::move(cfg));
}

} // namespace openmfd::actors
