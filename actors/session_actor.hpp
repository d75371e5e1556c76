#pragma once

// A panel's session (DESIGN §3): the Socket.IO v5 client on an Engine.IO
// session (engineio_session.hpp), its authentication and app events.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "actors/auth_actor.hpp"
#include "actors/engineio_session.hpp"
#include "actors/injector_actor.hpp"
#include "actors/messages.hpp"
#include "actors/screens_actor.hpp"
#include "protocol/bindings.hpp"
#include "protocol/key_names.hpp"
#include "protocol/key_script.hpp"

namespace openmfd::actors {

/// Every message a panel's session takes: the Engine.IO transport's, and
/// what the auth, screens and injector actors report.
using session_actor = engineio_session_actor::extend<
  /// From the auth actor: the rotated token and its lifetime in seconds;
  /// the client was revoked.
  caf::reacts_to<atom::token, std::string, std::int64_t>,
  caf::reacts_to<atom::revoked>,
  /// From the auth actor: the client connected again in another session.
  caf::reacts_to<atom::check_alive>,
  /// From the screens actor: (screen, state JSON) changed.
  caf::reacts_to<atom::screen_state, std::string, std::string>,
  /// From the injector: a held key went up after the longest hold.
  caf::reacts_to<atom::hold_expired, protocol::hid_usage>>;

/// What every session needs for the input events (run_action, press,
/// key_down, key_up, release_all, list_actions; DESIGN §3, §6).
struct session_input {
  /// Runs key scripts and holds keys; may be null: input events then fail
  /// with `unavailable`.
  injector_actor injector;
  /// The actions of run_action and list_actions (shared, never changed);
  /// may be null, as above.
  std::shared_ptr<const protocol::bindings_catalogue> bindings;
  /// How scripts hold keys (`--key-hold-ms`).
  protocol::script_options script;
  /// An action whose `ts` says it arrived this much later than the fastest
  /// delivery seen is refused as `stale` (see client_clock).
  std::chrono::milliseconds stale_after{2'000};
};

/// What one session needs.
struct session_config {
  std::string sid;         ///< the Engine.IO session id (a bearer secret)
  std::uint64_t serial = 0; ///< names the session in logs instead of the sid
  engineio_settings engine;
  auth_actor auth;
  screens_actor screens; ///< may be null: screen events then fail
  session_input input;    ///< the keyboard side
  /// Who the handshake's `?token=` belongs to, when it had a valid one.
  std::optional<client_identity> identity;
  /// The handshake request (GET, polling or WebSocket) that opens it.
  exchange_ptr handshake;
};

/// Spawns a session, which answers `cfg.handshake` at once. It ends when
/// either side closes it, and closes its transports however it ends.
session_actor spawn_session(caf::actor_system& sys, session_config cfg);

} // namespace openmfd::actors
