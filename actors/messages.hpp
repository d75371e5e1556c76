#pragma once

// THE type-ID block: every atom and message type that actors exchange.
//
// Port pointers (exchange_port, ...) are not serializable; they are
// whitelisted below because messages never leave this process (we do not load
// CAF's middleman).

#include <cstdint>
#include <memory>
#include <string>

#include <caf/all.hpp>

#include "net/ports.hpp"
#include "protocol/key_script.hpp"

static_assert(CAF_VERSION >= 1706 && CAF_VERSION < 1800,
              "written for CAF 0.17 (Debian's libcaf-dev)");

namespace openmfd::actors {

/// An HTTP request in flight; answer it exactly once.
using exchange_ptr = std::shared_ptr<net::exchange_port>;

/// An open WebSocket, owned by one session.
using stream_ptr = std::shared_ptr<net::stream_port>;

/// How a pairing request ended.
enum class authorise_verdict : std::uint8_t {
  granted,          ///< token issued
  denied,           ///< 403 denied (now, or remembered)
  approval_timeout, ///< 403 approval_timeout (not remembered)
  too_many,         ///< 429 with retry_after
  withdrawn,        ///< the client hung up; nobody reads the answer
  unavailable,      ///< 503: the server could not decide
};

/// The auth actor's answer to (atom::authorise, ...).
struct authorise_outcome {
  authorise_verdict verdict = authorise_verdict::unavailable;
  std::string token;            ///< for granted
  std::int64_t expires_in = 0;  ///< seconds, for granted
  std::int64_t retry_after = 0; ///< seconds, for too_many
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, authorise_outcome& x) {
  return f(caf::meta::type_name("authorise_outcome"), x.verdict, x.token,
           x.expires_in, x.retry_after);
}

/// What the person at the host decided.
enum class approval_verdict : std::uint8_t {
  approved,
  denied,
  timed_out, ///< no answer within the prompt timeout
  withdrawn, ///< every requester hung up
  busy,      ///< the prompt queue is full
};

/// One pairing request put to the person at the host.
struct approval_request {
  std::uint64_t request_id = 0; ///< unique per HTTP request
  std::string id_hash;          ///< joins requests for the same client
  std::string name;             ///< sanitised
  std::string address;
  std::string short_id;
  std::string device_code;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, approval_request& x) {
  return f(caf::meta::type_name("approval_request"), x.request_id, x.id_hash,
           x.name, x.address, x.short_id, x.device_code);
}

/// Who a valid token belongs to.
struct client_identity {
  std::string id_hash;
  std::string name;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, client_identity& x) {
  return f(caf::meta::type_name("client_identity"), x.id_hash, x.name);
}

/// Errors between actors (never on the wire as such).
enum class auth_error : std::uint8_t {
  none = 0,
  invalid_token,
};

std::string to_string(auth_error x);

/// The auth actor's answer that a token is not (or no longer) good, as
/// opposed to the auth actor being unreachable.
bool is_invalid_token(const caf::error& err);

/// Errors of the injector actor (caf::error category "injector"); the wire
/// code is `to_string` (defined in injector_actor.cpp).
enum class injector_error : std::uint8_t {
  none = 0,
  busy,           ///< the key-script FIFO (or this session's share) is full
  backend_failed, ///< the keyboard backend refused a key event
  unknown_key,    ///< a HID usage the key table does not have
  invalid_script, ///< too many steps, a negative wait, longer than a hold
  too_many_keys,  ///< the session already holds as many keys as it may
  cancelled,      ///< dropped by release_all, the session's end or shutdown
  key_unavailable, ///< this host's keyboard (or layout) has no such key
};

std::string to_string(injector_error x);

/// Errors of the screens actor (caf::error category "screens"); the wire
/// code is `to_string` (defined in screens_actor.cpp).
enum class screens_error : std::uint8_t {
  none = 0,
  invalid_screen,   ///< empty, too long, or a character outside [A-Za-z0-9_.-]
  invalid_state,    ///< not JSON, or not a JSON object
  state_too_large,  ///< the serialized state is over the per-screen limit
  too_many_screens, ///< the screen is new and the server has its maximum
  rate_limited,     ///< the server's budget of broadcasts is spent for now
};

std::string to_string(screens_error x);

/// A key script for the injector and the words its log line uses.
struct key_job {
  std::string who;   ///< the client's name (never its id or a token)
  std::string label; ///< what runs: an action name or "lalt+f tap"
  protocol::key_script script;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, key_job& x) {
  return f(caf::meta::type_name("key_job"), x.who, x.label, x.script);
}

} // namespace openmfd::actors

namespace openmfd::protocol {

// Here rather than in protocol/, which knows nothing of CAF; found by ADL.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, key_step& x) {
  return f(caf::meta::type_name("key_step"), x.what, x.key, x.duration);
}

} // namespace openmfd::protocol

CAF_BEGIN_TYPE_ID_BLOCK(openmfd, caf::first_custom_type_id)

  CAF_ADD_TYPE_ID(openmfd, (openmfd::actors::exchange_ptr))
  CAF_ADD_TYPE_ID(openmfd, (openmfd::actors::stream_ptr))
  CAF_ADD_TYPE_ID(openmfd, (openmfd::actors::authorise_verdict))
  CAF_ADD_TYPE_ID(openmfd, (openmfd::actors::authorise_outcome))
  CAF_ADD_TYPE_ID(openmfd, (openmfd::actors::approval_verdict))
  CAF_ADD_TYPE_ID(openmfd, (openmfd::actors::approval_request))
  CAF_ADD_TYPE_ID(openmfd, (openmfd::actors::client_identity))
  CAF_ADD_TYPE_ID(openmfd, (openmfd::actors::auth_error))
  CAF_ADD_TYPE_ID(openmfd, (openmfd::actors::injector_error))
  CAF_ADD_TYPE_ID(openmfd, (openmfd::actors::screens_error))
  CAF_ADD_TYPE_ID(openmfd, (openmfd::actors::key_job))

  /// An HTTP exchange for the listener to route.
  CAF_ADD_ATOM(openmfd, openmfd::atom, http, "http")
  /// Stop: close the acceptor and every session, then quit.
  CAF_ADD_ATOM(openmfd, openmfd::atom, shutdown, "shutdown")
  /// Pair a client: (client id, name, address, request id).
  CAF_ADD_ATOM(openmfd, openmfd::atom, authorise, "authorise")
  /// Who holds this token?
  CAF_ADD_ATOM(openmfd, openmfd::atom, validate, "validate")
  /// Tell this session about its client's rotations and revocation.
  CAF_ADD_ATOM(openmfd, openmfd::atom, subscribe, "subscribe")
  /// Put a pairing request to the person at the host.
  CAF_ADD_ATOM(openmfd, openmfd::atom, ask, "ask")
  /// The requester hung up.
  CAF_ADD_ATOM(openmfd, openmfd::atom, withdraw, "withdraw")
  /// A line typed at the console.
  CAF_ADD_ATOM(openmfd, openmfd::atom, line, "line")
  /// The console's input ended.
  CAF_ADD_ATOM(openmfd, openmfd::atom, eof, "eof")
  /// A prompt's deadline passed.
  CAF_ADD_ATOM(openmfd, openmfd::atom, expire, "expire")
  /// Time to rotate tokens.
  CAF_ADD_ATOM(openmfd, openmfd::atom, rotate, "rotate")
  /// Time to look for changes to the trust file.
  CAF_ADD_ATOM(openmfd, openmfd::atom, poll, "poll")
  /// Time to write deferred last-seen updates.
  CAF_ADD_ATOM(openmfd, openmfd::atom, flush, "flush")
  /// Console and admin commands.
  CAF_ADD_ATOM(openmfd, openmfd::atom, list, "list")
  CAF_ADD_ATOM(openmfd, openmfd::atom, revoke, "revoke")
  CAF_ADD_ATOM(openmfd, openmfd::atom, clear_denied, "clr_denied")
  /// Where console commands go from now on.
  CAF_ADD_ATOM(openmfd, openmfd::atom, command_handler, "cmdhandler")
  /// To a session: a fresh token, or its client was revoked.
  CAF_ADD_ATOM(openmfd, openmfd::atom, token, "token")
  CAF_ADD_ATOM(openmfd, openmfd::atom, revoked, "revoked")
  /// To the injector: run a key_job; press / release one held key; release
  /// everything a session holds. Internal: the next script step is due.
  CAF_ADD_ATOM(openmfd, openmfd::atom, run, "run")
  CAF_ADD_ATOM(openmfd, openmfd::atom, key_down, "key_down")
  CAF_ADD_ATOM(openmfd, openmfd::atom, key_up, "key_up")
  CAF_ADD_ATOM(openmfd, openmfd::atom, release_all, "rel_all")
  CAF_ADD_ATOM(openmfd, openmfd::atom, step, "step")
  /// To a session: a held key went up after the longest hold.
  CAF_ADD_ATOM(openmfd, openmfd::atom, hold_expired, "hold_exp")
  /// To the screens actor: join, leave, set a screen's state.
  CAF_ADD_ATOM(openmfd, openmfd::atom, join_screen, "join_scr")
  CAF_ADD_ATOM(openmfd, openmfd::atom, leave_screen, "leave_scr")
  CAF_ADD_ATOM(openmfd, openmfd::atom, set_screen, "set_scr")
  /// To a session: another member changed a screen's state.
  CAF_ADD_ATOM(openmfd, openmfd::atom, screen_state, "scr_state")
  /// To a session, from a WebSocket of its (by transport number): it
  /// opened (with its port), a message came, it closed.
  CAF_ADD_ATOM(openmfd, openmfd::atom, ws_open, "ws_open")
  CAF_ADD_ATOM(openmfd, openmfd::atom, ws_frame, "ws_frame")
  CAF_ADD_ATOM(openmfd, openmfd::atom, ws_closed, "ws_closed")
  /// To a session: the client of its held polling GET hung up.
  CAF_ADD_ATOM(openmfd, openmfd::atom, poll_abort, "poll_abort")
  /// To a session: one of its timers (heartbeat, auth, upgrade) is due.
  CAF_ADD_ATOM(openmfd, openmfd::atom, deadline, "deadline")
  /// To a session: its client connected again in another session. Ping
  /// now and close unless the pong comes soon: after a network drop the
  /// old link is dead, and its held keys must not wait for the heartbeat.
  CAF_ADD_ATOM(openmfd, openmfd::atom, check_alive, "chk_alive")

CAF_END_TYPE_ID_BLOCK(openmfd)

CAF_ERROR_CODE_ENUM(openmfd::actors::auth_error, "auth")
CAF_ERROR_CODE_ENUM(openmfd::actors::injector_error, "injector")
CAF_ERROR_CODE_ENUM(openmfd::actors::screens_error, "screens")
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(openmfd::actors::exchange_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(openmfd::actors::stream_ptr)
