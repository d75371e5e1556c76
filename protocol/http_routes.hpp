#pragma once

// Maps (method, path) to an endpoint, or to 404 / 405 with the Allow list.

#include <string>
#include <string_view>

namespace openmfd::protocol {

/// The server's HTTP endpoints.
enum class endpoint {
  not_found,          ///< no such path: 404
  method_not_allowed, ///< path exists, method does not: 405 with `allow`
  info,               ///< GET /info
  authorise,          ///< POST /authorise, POST /auth
};

/// Where a request goes.
struct route_match {
  endpoint target = endpoint::not_found;
  std::string allow; ///< for method_not_allowed: "GET" or "GET, POST"
};

/// Routes by exact path; HEAD is not served (no endpoint needs it).
route_match route(std::string_view method, std::string_view path);

} // namespace openmfd::protocol
