#pragma once

// The trust-store commands shared by the command line (`openmfd-server
// clients ...`) and the running server's console: the same words, the same
// output, whichever side runs them.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "protocol/trust_store.hpp"

namespace openmfd::actors {

/// A table of trusted clients and the denied list, for people.
std::string describe_clients(const protocol::trust_store& store);

/// What a command did, for the person who typed it.
struct admin_outcome {
  bool ok = false;
  std::string message;
  std::optional<protocol::trusted_client> revoked; ///< for revoke
};

/// Removes the client `selector` names (short id prefix or unique name).
admin_outcome revoke_client(protocol::trust_store& store,
                            std::string_view selector);

/// Forgets every denial.
admin_outcome clear_denied(protocol::trust_store& store);

/// Trusts `client_id` (a UUID v4) under `name` without a prompt: for the
/// person at the host, pairing a device they set up themselves.
admin_outcome add_client(protocol::trust_store& store,
                         std::string_view client_id, std::string_view name,
                         std::int64_t now);

/// Unix seconds now (wall clock, for first/last seen).
std::int64_t unix_now();

} // namespace openmfd::actors
