#pragma once

#include <memory>

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
};

/// Spawns the listener and starts accepting.
listener_actor spawn_listener(caf::actor_system& sys, listener_config cfg);

} // namespace openmfd::actors
