#include "actors/messages.hpp"

namespace openmfd::actors {

std::string to_string(auth_error x) {
  switch (x) {
    case auth_error::none:
      return "none";
    case auth_error::invalid_token:
      return "invalid_token";
  }
  return "unknown";
}

} // namespace openmfd::actors
