#pragma once

// POST /authorise (alias /auth): the request body and the display name rules
// (DESIGN §3).

#include <optional>
#include <string>
#include <string_view>

#include "protocol/errors.hpp"

namespace openmfd::protocol {

/// Why an /authorise request is refused before anyone is asked.
enum class authorise_errc {
  unsupported_media_type = 1, ///< 415: not application/json
  bad_json,                   ///< 400: not a JSON object
  missing_client_id,          ///< 400
  bad_client_id,              ///< 400: not a UUID v4 string
  missing_client_name,        ///< 400
  bad_client_name,            ///< 400: not a string, or nothing printable
};

std::string_view to_string(authorise_errc e) noexcept;
const char* category_name(authorise_errc) noexcept;

/// The HTTP status for each refusal.
unsigned http_status(authorise_errc e) noexcept;

/// A well-formed pairing request.
struct authorise_request {
  std::string client_id;   ///< canonical lowercase UUID v4 (a secret)
  std::string client_name; ///< sanitised for display
};

/// Longest display name kept, in code points.
inline constexpr std::size_t max_client_name = 64;

/// Checks the content type (`application/json`, parameters allowed) and
/// parses the body. The caller bounds the body's size (413) beforehand.
result<authorise_request>
parse_authorise_request(std::optional<std::string_view> content_type,
                        std::string_view body);

/// The 200 body: `{"token": ..., "expires_in": seconds}`.
std::string token_body(std::string_view token, long long expires_in);

/// A name safe to print on the console: invalid UTF-8, control characters
/// and bidirectional overrides removed, white space runs folded to one
/// space, trimmed, at most `max_client_name` code points.
std::string sanitize_display_name(std::string_view raw);

} // namespace openmfd::protocol

OPENMFD_ERROR_ENUM(authorise_errc);
