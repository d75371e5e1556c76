#pragma once

// The trust store as a value (DESIGN §4): which devices may get tokens and
// which were denied. Clients are keyed by SHA-256 of their id, so a leaked
// store lets nobody in. File I/O and locking live elsewhere.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/errors.hpp"

namespace openmfd::protocol {

/// A device the person at the host approved.
struct trusted_client {
  std::string id_hash; ///< SHA-256 hex of the canonical client id
  std::string name;
  std::int64_t first_seen = 0; ///< Unix seconds
  std::int64_t last_seen = 0;
  std::string last_address;

  /// The first 8 hex characters of `id_hash` (DESIGN §4 short id).
  std::string_view short_id() const noexcept {
    return std::string_view{id_hash}.substr(0, 8);
  }
};

/// A device the person at the host refused; not asked again until cleared.
struct denied_client {
  std::string id_hash;
  std::string name;
  std::int64_t denied_at = 0;
  std::string last_address;
};

/// Why a stored trust file cannot be used.
enum class trust_store_errc {
  bad_json = 1,
  unsupported_version,
  bad_generation,
  bad_clients,
  bad_client_entry,
  bad_denied,
  bad_denied_entry,
  duplicate_client,
  too_many_entries,
};

std::string_view to_string(trust_store_errc e) noexcept;
const char* category_name(trust_store_errc) noexcept;

/// How a `clients revoke` argument matched.
enum class match_outcome { none, one, ambiguous };

/// Stored entries at most, each list.
inline constexpr std::size_t max_trust_entries = 4096;

/// The whole store.
struct trust_store {
  /// Bumped on every write, so readers see that something changed.
  std::uint64_t generation = 0;
  std::vector<trusted_client> clients;
  std::vector<denied_client> denied;

  const trusted_client* find(std::string_view id_hash) const noexcept;
  bool is_denied(std::string_view id_hash) const noexcept;

  /// Trusts (or renames and refreshes) a client; lifts a denial.
  void trust(std::string_view id_hash, std::string_view name,
             std::string_view address, std::int64_t now);
  /// Records a denial (the oldest goes when the list is full).
  void deny(std::string_view id_hash, std::string_view name,
            std::string_view address, std::int64_t now);
  /// Updates last seen and address of a trusted client, if it still is.
  void touch(std::string_view id_hash, std::string_view address,
             std::int64_t now);

  /// Finds the trusted client a person means: a prefix (4+ hex characters)
  /// of its id hash, or its exact name (case-insensitive).
  match_outcome match(std::string_view selector, std::size_t& index) const;
  /// Removes clients[index]; returns it.
  trusted_client remove(std::size_t index);
  /// Forgets every denial; returns how many there were.
  std::size_t clear_denied() noexcept;
};

/// The store as JSON text (one line per entry, for people who read it).
std::string serialize(const trust_store& store);

/// Parses what `serialize` wrote; every field is checked.
result<trust_store> parse_trust_store(std::string_view text);

} // namespace openmfd::protocol

OPENMFD_ERROR_ENUM(trust_store_errc);
