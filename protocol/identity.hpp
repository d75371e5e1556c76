#pragma once

// Identities as text: UUID v4, SHA-256 hex, the TLS fingerprint, the 6-digit
// device code and the short id of DESIGN §3/§4. Pure functions.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace openmfd::protocol {

/// 16 random bytes, as drawn from a CSPRNG by the caller.
using uuid_bytes = std::array<std::uint8_t, 16>;

/// Stamps version 4 and the RFC 4122 variant onto `random` and formats it as
/// canonical lowercase text (8-4-4-4-12).
std::string make_uuid_v4(uuid_bytes random);

/// The canonical lowercase form of `text` if it is a UUID v4 (either case,
/// hyphenated, version nibble 4, variant 8/9/a/b); nullopt otherwise.
std::optional<std::string> canonical_uuid_v4(std::string_view text);

/// Lowercase hex of SHA-256 over `data`.
std::string sha256_hex(std::string_view data);

/// Lowercase hex of arbitrary bytes.
std::string to_hex(std::string_view bytes);

/// Equality whose time depends only on the lengths, not on where the
/// inputs differ (for secrets).
bool constant_time_equal(std::string_view a, std::string_view b) noexcept;

/// "sha256/<hex>" over a certificate's DER bytes.
std::string tls_fingerprint(std::string_view certificate_der);

/// The 6-digit code both the UI and the console show for a client id: the
/// first 4 bytes of SHA-256 over the canonical id, big-endian, mod 10^6.
std::string device_code(std::string_view canonical_client_id);

/// The first 8 hex characters of SHA-256 over the canonical client id.
std::string short_id(std::string_view canonical_client_id);

} // namespace openmfd::protocol
