#pragma once

// The Engine.IO sessions of one path (DESIGN §3): a request with a `sid`
// goes to its session, a handshake may open one. Not an actor: its owner
// (a listener) routes through it and tells it which sessions went down.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>

#include "actors/engineio_session.hpp"

namespace openmfd::actors {

class engineio_router {
public:
  /// Spawns the session `sid` (logged as `serial`) for `handshake`.
  using spawner = std::function<engineio_session_actor(
    std::string sid, std::uint64_t serial, exchange_ptr handshake)>;

  /// At most `max_sessions` sessions at once, `max_per_address` of them
  /// from one address (so that one host cannot take every session from the
  /// panels: an unconnected session lives for the connect timeout).
  engineio_router(std::size_t max_sessions, std::size_t max_per_address)
    : max_sessions_(max_sessions), max_per_address_(max_per_address) {}

  /// Hands `exchange` to the session its `sid` names, or answers it with
  /// Engine.IO's error. Returns the query of a well-formed handshake (no
  /// sid), which the caller may open a session for.
  template <class Self>
  std::optional<protocol::engineio_handshake>
  route(Self* owner, const exchange_ptr& exchange) {
    auto found = classify(exchange);
    // A session may end before it reads the request: it then gets the
    // answer a request for a sid that is gone gets.
    if (found.session)
      owner->request(*found.session, caf::infinite, atom::http_v, exchange)
        .then([] {},
              [exchange](const caf::error&) { answer_unknown_sid(exchange); });
    return std::move(found.handshake);
  }

  /// Opens a session for `handshake` (503 when at the cap, 429 when its
  /// address has its share) and monitors it on behalf of `owner`.
  void open(caf::scheduled_actor* owner, const exchange_ptr& handshake,
            const spawner& spawn);

  /// Forgets `session`, which went down; false if it is none of these.
  bool forget(const caf::actor_addr& session);

  /// Ends every session.
  void close_all();

private:
  /// Where a request goes: to a session, or to a new one.
  struct route_target {
    std::optional<engineio_session_actor> session;
    std::optional<protocol::engineio_handshake> handshake;
  };

  /// The target of `exchange`; answers it (and returns no target) when it
  /// is malformed or names no session.
  route_target classify(const exchange_ptr& exchange) const;
  static void answer_unknown_sid(const exchange_ptr& exchange);

  /// What the router knows of a session, by its actor.
  struct entry {
    std::string sid;
    std::string address; ///< the handshake's remote address
  };

  std::size_t max_sessions_;
  std::size_t max_per_address_;
  std::unordered_map<std::string, engineio_session_actor> sessions_; ///< by sid
  std::map<caf::actor_addr, entry> entries_;
  std::unordered_map<std::string, std::size_t> per_address_;
  std::uint64_t next_serial_ = 0;
  bool at_cap_ = false;
};

} // namespace openmfd::actors
