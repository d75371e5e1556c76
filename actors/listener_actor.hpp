#pragma once

#include <chrono>
#include <memory>

#include "actors/approval_actor.hpp"
#include "actors/auth_actor.hpp"
#include "actors/messages.hpp"
#include "actors/screens_actor.hpp"
#include "actors/session_actor.hpp"
#include "net/ports.hpp"
#include "protocol/cors.hpp"

namespace openmfd::actors {

/// Owns the TLS acceptor (and through it the TLS context), routes every
/// HTTP request, and owns the Engine.IO sessions: it opens one per
/// `/socket.io/` handshake and routes requests with a `sid` to it.
using listener_actor = caf::typed_actor<
  caf::reacts_to<atom::http, exchange_ptr>, caf::reacts_to<atom::shutdown>>;

/// What the listener needs.
struct listener_config {
  std::shared_ptr<net::acceptor_port> acceptor;
  std::string info_body; ///< the JSON of GET /info
  auth_actor auth;
  approval_actor approval;
  /// How long an /authorise request may wait for the person at the host.
  std::chrono::milliseconds approval_timeout{60'000};
  /// For every Engine.IO session.
  engineio_settings engine;
  /// Screen events go here; may be null (they then fail).
  screens_actor screens;
  /// The keyboard side of every session (injector, bindings, timings).
  session_input input;
  /// Which browser origins may use the API (`--allow-origin`).
  protocol::cors_policy cors;
};

/// Spawns the listener and starts accepting. However it ends (atom::shutdown,
/// or a failure of its own), it stops accepting and ends every session and
/// the auth, approval and screens actors too.
listener_actor spawn_listener(caf::actor_system& sys, listener_config cfg);

} // namespace openmfd::actors
