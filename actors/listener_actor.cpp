#include "actors/listener_actor.hpp"

#include <optional>

#include "actors/cors_exchange.hpp"
#include "actors/engineio_router.hpp"
#include "actors/log.hpp"
#include "actors/port_sinks.hpp"
#include "actors/socketio_app.hpp"
#include "protocol/authorise.hpp"
#include "protocol/cors.hpp"
#include "protocol/http_routes.hpp"

namespace openmfd::actors {

namespace {

/// Where Engine.IO requests go.
constexpr std::string_view engineio_path = "/socket.io/";

/// How long the auth actor may take to check a handshake's token.
constexpr auto validate_timeout = std::chrono::seconds{5};

struct listener_state {
  static inline const char* name = "listener";
  listener_config cfg;
  std::uint64_t next_request_id = 0;
  /// Shared with the functor that ends the sessions however the listener
  /// ends.
  std::shared_ptr<engineio_router> sessions;
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

void open_session(self_ptr self, const exchange_ptr& exchange,
                  std::optional<client_identity> who) {
  auto& st = self->state;
  st.sessions->open(
    self, exchange,
    [self, &st, who = std::move(who)](std::string sid, std::uint64_t serial,
                                      exchange_ptr handshake) {
      session_config cfg;
      cfg.sid = std::move(sid);
      cfg.serial = serial;
      cfg.engine = st.cfg.engine;
      cfg.auth = st.cfg.auth;
      cfg.screens = st.cfg.screens;
      cfg.input = st.cfg.input;
      cfg.identity = who;
      cfg.handshake = std::move(handshake);
      return spawn_session(self->system(), std::move(cfg));
    });
}

// A handshake opens a session; a request with a sid goes to its session.
void engineio(self_ptr self, const exchange_ptr& exchange) {
  auto& st = self->state;
  auto query = st.sessions->route(self, exchange);
  if (!query)
    return;
  if (!query->token)
    return open_session(self, exchange, std::nullopt);
  // A token on the handshake must be good, or there is no session (403).
  self
    ->request(st.cfg.auth, validate_timeout, atom::validate_v, *query->token,
              caf::actor{})
    .then(
      [self, exchange](const client_identity& who) {
        open_session(self, exchange, who);
      },
      [exchange](const caf::error& err) {
        if (is_invalid_token(err))
          return exchange->respond(
            engineio_error(engineio_http_error::forbidden));
        log("server").error("token check failed: {}", to_string(err));
        exchange->respond(protocol::json_error(503, "unavailable"));
      });
}

/// Applies the CORS policy: the exchange to serve (with CORS headers for an
/// allowed origin), or null once it was answered.
exchange_ptr check_origin(self_ptr self, exchange_ptr exchange) {
  const auto& req = exchange->request();
  switch (self->state.cfg.cors.judge(req)) {
    case protocol::cors_verdict::same_origin:
      return exchange;
    case protocol::cors_verdict::allowed:
      return with_cors_headers(std::move(exchange),
                               std::string{*req.header("Origin")});
    case protocol::cors_verdict::preflight:
      exchange->respond(protocol::preflight_response(*req.header("Origin")));
      return nullptr;
    case protocol::cors_verdict::refused:
      break;
  }
  // Debug only, and without the header: any page may send any Origin.
  log("server").debug("refused a request from an origin not allowed "
                      "(see --allow-origin)");
  exchange->respond(protocol::json_error(403, "origin_not_allowed"));
  return nullptr;
}

void route(self_ptr self, exchange_ptr exchange) {
  exchange = check_origin(self, std::move(exchange));
  if (!exchange)
    return;
  const auto& req = exchange->request();
  if (req.path() == engineio_path)
    return engineio(self, exchange);
  if (req.body_too_large)
    return exchange->respond(protocol::json_error(413, "payload_too_large"));
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
  auto& st = self->state;
  st.sessions = std::make_shared<engineio_router>(
    st.cfg.engine.max_sessions, st.cfg.engine.max_sessions_per_address);
  st.cfg.acceptor->start(make_request_sink(self->address()));
  // However the listener ends (a shutdown, or a failure of its own), nothing
  // more is accepted and what it started ends too, so that the server stops
  // instead of waiting for actors nobody will end.
  self->attach_functor([acceptor = st.cfg.acceptor, sessions = st.sessions,
                        auth = st.cfg.auth, approval = st.cfg.approval,
                        screens = st.cfg.screens](const caf::error& reason) {
    if (reason && reason != caf::exit_reason::user_shutdown)
      log("server").critical("the listener failed ({}): stopping",
                             to_string(reason));
    acceptor->close();
    sessions->close_all();
    caf::anon_send_exit(auth, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(approval, caf::exit_reason::user_shutdown);
    if (screens)
      caf::anon_send_exit(screens, caf::exit_reason::user_shutdown);
  });
  self->set_down_handler([self](caf::down_msg& msg) {
    self->state.sessions->forget(msg.source);
  });
  return {
    [self](atom::http, const exchange_ptr& exchange) { route(self, exchange); },
    [self](atom::shutdown) {
      log("server").info("shutting down: no new connections");
      self->quit(caf::exit_reason::user_shutdown);
    },
  };
}

} // namespace

listener_actor spawn_listener(caf::actor_system& sys, listener_config cfg) {
  return sys.spawn(listener, std::move(cfg));
}

} // namespace openmfd::actors
