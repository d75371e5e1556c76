#pragma once

#include <chrono>
#include <memory>

#include "actors/approval_actor.hpp"
#include "actors/auth_actor.hpp"
#include "actors/messages.hpp"
#include "net/ports.hpp"

namespace openmfd::actors {

/// Owns the TLS acceptor (and through it the TLS context) and routes every
/// HTTP request.
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
};

/// Spawns the listener and starts accepting. At shutdown it stops accepting
/// and ends the auth and approval actors too.
listener_actor spawn_listener(caf::actor_system& sys, listener_config cfg);

} // namespace openmfd::actors
