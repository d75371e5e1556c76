#pragma once

// One Engine.IO v4 session and the Socket.IO v5 client on top of it
// (DESIGN §3): its transports (long-polling, then a WebSocket), heartbeat,
// upgrade, authentication and app events.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "actors/auth_actor.hpp"
#include "actors/injector_actor.hpp"
#include "actors/messages.hpp"
#include "actors/screens_actor.hpp"
#include "protocol/bindings.hpp"
#include "protocol/key_names.hpp"
#include "protocol/key_script.hpp"

namespace openmfd::actors {

/// Every message a session takes. The listener routes its HTTP requests;
/// WebSockets, held polls and the auth, screens and injector actors report
/// through the rest.
using session_actor = caf::typed_actor<
  /// A request carrying this session's sid: a poll (GET), packets (POST)
  /// or a WebSocket upgrade.
  caf::reacts_to<atom::http, exchange_ptr>,
  /// WebSocket transport `n` opened / delivered a message / closed.
  caf::reacts_to<atom::ws_open, std::uint64_t, stream_ptr>,
  caf::reacts_to<atom::ws_frame, std::uint64_t, std::string, bool>,
  caf::reacts_to<atom::ws_closed, std::uint64_t>,
  /// The client of held poll `n` hung up.
  caf::reacts_to<atom::poll_abort, std::uint64_t>,
  /// From the auth actor: the rotated token and its lifetime in seconds;
  /// the client was revoked.
  caf::reacts_to<atom::token, std::string, std::int64_t>,
  caf::reacts_to<atom::revoked>,
  /// From the screens actor: (screen, state JSON) changed.
  caf::reacts_to<atom::screen_state, std::string, std::string>,
  /// From the injector: a held key went up after the longest hold.
  caf::reacts_to<atom::hold_expired, protocol::hid_usage>,
  /// Internal: timer (kind, generation) is due.
  caf::reacts_to<atom::deadline, std::uint8_t, std::uint64_t>>;

/// Engine.IO's knobs (the first three go to the client in the open packet).
struct engineio_settings {
  std::chrono::milliseconds ping_interval{25'000};
  std::chrono::milliseconds ping_timeout{20'000};
  /// The largest message or polling body a client may send, in bytes.
  std::size_t max_payload = 1'000'000;
  /// A session without a successful Socket.IO CONNECT by then is closed.
  std::chrono::milliseconds auth_timeout{10'000};
  /// From a probe's WebSocket request to its upgrade packet, at most.
  std::chrono::milliseconds upgrade_timeout{10'000};
  /// How long a closing polling session waits for the GET that delivers its
  /// last packets (a CONNECT_ERROR, `revoked`).
  std::chrono::milliseconds close_linger{5'000};
  /// Packets waiting for a poll, at most (count and bytes); beyond them the
  /// client is too slow and the session closes.
  std::size_t max_buffered_packets = 1024;
  std::size_t max_buffered_bytes = 16 * 1024 * 1024;
  /// Sessions open at once, at most; beyond, handshakes get 503 (each
  /// unauthenticated one lives up to `auth_timeout` without a connection).
  std::size_t max_sessions = 1024;
};

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
  /// The longest the injector may take to answer: a script waits behind
  /// every script queued before it. Beyond it the answer is `unavailable`.
  std::chrono::milliseconds answer_timeout{60'000};
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
