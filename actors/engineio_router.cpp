#include "actors/engineio_router.hpp"

#include "actors/log.hpp"
#include "actors/socketio_app.hpp"
#include "protocol/http_message.hpp"

namespace openmfd::actors {

engineio_router::route_target
engineio_router::classify(const exchange_ptr& exchange) const {
  const auto& req = exchange->request();
  auto query = protocol::parse_handshake_query(req.query());
  if (!query) {
    exchange->respond(engineio_error(engineio_error_for(query.error())));
    return {};
  }
  if (query->sid) {
    auto it = sessions_.find(*query->sid);
    if (it == sessions_.end()) {
      answer_unknown_sid(exchange);
      return {};
    }
    return {it->second, std::nullopt};
  }
  if (req.body_too_large) {
    exchange->respond(protocol::json_error(413, "payload_too_large"));
    return {};
  }
  if (req.method != "GET") {
    exchange->respond(
      engineio_error(engineio_http_error::bad_handshake_method));
    return {};
  }
  bool websocket = query->transport == protocol::engineio_transport::websocket;
  if (websocket != wants_websocket(req)
      || (websocket && !valid_websocket_upgrade(req))) {
    exchange->respond(engineio_error(engineio_http_error::bad_request));
    return {};
  }
  return {std::nullopt, std::move(*query)};
}

void engineio_router::answer_unknown_sid(const exchange_ptr& exchange) {
  exchange->respond(engineio_error(engineio_http_error::unknown_sid));
}

void engineio_router::open(caf::scheduled_actor* owner,
                           const exchange_ptr& handshake,
                           const spawner& spawn) {
  if (sessions_.size() >= max_sessions_) {
    if (!at_cap_) // once per episode, not once per handshake
      log("server").warn("session limit ({}) reached; refusing handshakes",
                         max_sessions_);
    at_cap_ = true;
    return handshake->respond(protocol::json_error(503, "too_many_sessions"));
  }
  const auto& address = handshake->request().remote_address;
  auto& from_address = per_address_[address];
  if (from_address >= max_per_address_) {
    log("server").debug("{}: refused a handshake (its share of sessions)",
                        address);
    return handshake->respond(
      protocol::json_error(429, "too_many_sessions_from_address"));
  }
  auto sid = make_session_id();
  if (sid.empty() || sessions_.count(sid) > 0) {
    log("server").error("cannot make a session id");
    if (from_address == 0)
      per_address_.erase(address);
    return handshake->respond(protocol::json_error(503, "unavailable"));
  }
  auto serial = ++next_serial_;
  log("session").debug("session #{} opened from {}", serial,
                       handshake->request().remote_address);
  auto session = spawn(sid, serial, handshake);
  owner->monitor(session);
  if (++from_address == max_per_address_) // once per episode
    log("server").warn("{} has {} sessions open, its share: further "
                       "handshakes from it are refused",
                       address, from_address);
  entries_.emplace(session.address(), entry{sid, address});
  sessions_.emplace(std::move(sid), std::move(session));
}

bool engineio_router::forget(const caf::actor_addr& session) {
  auto it = entries_.find(session);
  if (it == entries_.end())
    return false;
  sessions_.erase(it->second.sid);
  if (auto n = per_address_.find(it->second.address);
      n != per_address_.end() && --n->second == 0)
    per_address_.erase(n);
  entries_.erase(it);
  // The episode is over once a tenth of the cap is free again (with a small
  // cap: once any session is free).
  if (sessions_.size() + max_sessions_ / 10 < max_sessions_)
    at_cap_ = false;
  return true;
}

void engineio_router::close_all() {
  for (const auto& [sid, session] : sessions_)
    caf::anon_send_exit(session, caf::exit_reason::user_shutdown);
}

} // namespace openmfd::actors
