#pragma once

// Routes the conformance server's requests: `/engine.io/` to echo sessions,
// `/socket.io/` to test-app sessions, anything else 404.

#include <memory>

#include "actors/engineio_session.hpp"
#include "net/ports.hpp"

namespace openmfd::conformance {

using conformance_listener
  = caf::typed_actor<caf::reacts_to<atom::http, actors::exchange_ptr>,
                     caf::reacts_to<atom::shutdown>>;

/// What the two apps run with (the protocol test suites' numbers).
struct conformance_settings {
  actors::engineio_settings engineio; ///< for `/engine.io/`
  actors::engineio_settings socketio; ///< for `/socket.io/`
};

/// The settings the official test suites expect: pingInterval 300 ms,
/// pingTimeout 200 ms, maxPayload 1000000, connectTimeout 1000 ms.
conformance_settings test_suite_settings();

/// Spawns the listener and starts accepting from `acceptor`. At shutdown it
/// stops accepting and ends every session.
conformance_listener
spawn_conformance_listener(caf::actor_system& sys,
                           std::shared_ptr<net::acceptor_port> acceptor,
                           conformance_settings settings);

} // namespace openmfd::conformance
