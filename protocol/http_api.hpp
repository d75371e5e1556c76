#pragma once

// Bodies of the HTTP API (DESIGN §3).

#include <string>
#include <string_view>

namespace openmfd::protocol {

/// The API generation /info announces.
inline constexpr int api_version = 1;

/// What GET /info publishes; public, so nothing secret.
struct server_info {
  std::string server_id;
  std::string name;
  std::string version;
  std::string tls_fingerprint;
};

/// The JSON body of GET /info, keys in DESIGN §3's order.
std::string info_body(const server_info& info);

} // namespace openmfd::protocol
