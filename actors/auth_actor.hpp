#pragma once

#include <chrono>
#include <filesystem>

#include "actors/approval_actor.hpp"
#include "actors/messages.hpp"

namespace openmfd::actors {

/// The only place that decides "who is this": the trust store, live tokens,
/// their rotation, and revocation.
using auth_actor = caf::typed_actor<
  /// (client id, display name, address, request id) → outcome.
  caf::replies_to<atom::authorise, std::string, std::string, std::string,
                  std::uint64_t>::with<authorise_outcome>,
  /// (token, session) → its client, or auth_error::invalid_token. A
  /// session (null for none) is subscribed in the same step, as by
  /// atom::subscribe, so that no revoke can fall between the check and the
  /// subscription.
  caf::replies_to<atom::validate, std::string, caf::actor>::with<
    client_identity>,
  /// (client id hash, session) → the client, still trusted, or
  /// auth_error::invalid_token. The session is then sent (atom::token,
  /// token, expires_in) at each rotation and (atom::revoked) if its client
  /// is revoked. Sessions are monitored and forgotten when they end.
  caf::replies_to<atom::subscribe, std::string, caf::actor>::with<
    client_identity>,
  caf::replies_to<atom::list>::with<std::string>,
  caf::replies_to<atom::revoke, std::string>::with<std::string>,
  caf::replies_to<atom::clear_denied>::with<std::string>,
  caf::reacts_to<atom::rotate>, caf::reacts_to<atom::poll>,
  caf::reacts_to<atom::flush>>;

struct auth_config {
  std::filesystem::path data_dir;
  approval_actor approval;
  /// The approval timeout; the auth actor waits a little longer for it.
  std::chrono::milliseconds approval_timeout{60'000};
  std::chrono::seconds token_ttl{900};
  std::chrono::seconds token_rotate{300};
  /// How often the trust file is checked for changes by `clients ...`.
  std::chrono::milliseconds poll_interval{500};
  /// How often deferred last-seen times are written.
  std::chrono::seconds flush_interval{60};
  /// Prompting requests per address: a burst, then one per `refill`.
  double prompt_burst = 5;
  std::chrono::seconds prompt_refill{10};
};

/// Spawns the auth actor. It reads the trust store first; a store that
/// cannot be used is reported through `error` and nothing is spawned.
auth_actor spawn_auth(caf::actor_system& sys, auth_config cfg, bool detached,
                      std::string& error);

} // namespace openmfd::actors
