#include "protocol/http_routes.hpp"

#include <array>

namespace openmfd::protocol {

namespace {

struct route_entry {
  std::string_view method;
  std::string_view path;
  endpoint target;
};

constexpr std::array<route_entry, 3> routes{{
  {"GET", "/info", endpoint::info},
  {"POST", "/authorise", endpoint::authorise},
  {"POST", "/auth", endpoint::authorise},
}};

} // namespace

route_match route(std::string_view method, std::string_view path) {
  route_match result;
  for (const auto& entry : routes) {
    if (entry.path != path)
      continue;
    if (entry.method == method)
      return {entry.target, {}};
    if (!result.allow.empty())
      result.allow += ", ";
    result.allow += entry.method;
    result.target = endpoint::method_not_allowed;
  }
  return result;
}

} // namespace openmfd::protocol
