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

static_assert(CAF_VERSION >= 1706 && CAF_VERSION < 1800,
              "written for CAF 0.17 (Debian's libcaf-dev)");

namespace openmfd::actors {

/// An HTTP request in flight; answer it exactly once.
using exchange_ptr = std::shared_ptr<net::exchange_port>;

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

} // namespace openmfd::actors

CAF_BEGIN_TYPE_ID_BLOCK(openmfd, caf::first_custom_type_id)

  CAF_ADD_TYPE_ID(openmfd, (openmfd::actors::exchange_ptr))
  CAF_ADD_TYPE_ID(openmfd, (openmfd::actors::authorise_verdict))
  CAF_ADD_TYPE_ID(openmfd, (openmfd::actors::authorise_outcome))
  CAF_ADD_TYPE_ID(openmfd, (openmfd::actors::approval_verdict))
  CAF_ADD_TYPE_ID(openmfd, (openmfd::actors::approval_request))
  CAF_ADD_TYPE_ID(openmfd, (openmfd::actors::client_identity))
  CAF_ADD_TYPE_ID(openmfd, (openmfd::actors::auth_error))

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

CAF_END_TYPE_ID_BLOCK(openmfd)

CAF_ERROR_CODE_ENUM(openmfd::actors::auth_error, "auth")
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(openmfd::actors::exchange_ptr)
