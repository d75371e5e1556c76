#pragma once

// Cross-origin requests from browser panels (DESIGN §3): the origins given
// with `--allow-origin` may use the API, every other origin is refused, and
// none is allowed by default. Requests without an `Origin` header (native
// panels, socket.io-client on Node) are not cross-origin requests.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/http_message.hpp"

namespace openmfd::protocol {

/// `text` as an origin (`http://host[:port]` or `https://...`), lowercased,
/// without a default port or a trailing slash; nothing when it is not one
/// (a path, a query, user info, "*" and "null" are refused: a browser sends
/// none of them as an origin worth trusting with a keyboard).
std::optional<std::string> normalize_origin(std::string_view text);

/// What to do with a request, by its `Origin`.
enum class cors_verdict {
  same_origin, ///< no Origin header: serve as usual
  allowed,     ///< an allowed origin: serve, with CORS headers
  preflight,   ///< an allowed origin's OPTIONS preflight: answer it
  refused,     ///< an origin not allowed: 403 `origin_not_allowed`
};

/// The allowed origins.
class cors_policy {
public:
  cors_policy() = default;
  /// `origins` as normalize_origin returns them.
  explicit cors_policy(std::vector<std::string> origins);

  /// The verdict for `req`.
  cors_verdict judge(const http_request& req) const;

private:
  std::vector<std::string> origins_;
};

/// Adds to `res` the headers that let a browser at `origin` read it.
void add_cors_headers(http_response& res, std::string_view origin);

/// The answer to an allowed origin's preflight: 204 with the methods and
/// headers the API takes.
http_response preflight_response(std::string_view origin);

} // namespace openmfd::protocol
