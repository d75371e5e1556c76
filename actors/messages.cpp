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

bool is_invalid_token(const caf::error& err) {
  return err.category() == caf::atom("auth")
         && err.code() == static_cast<std::uint8_t>(auth_error::invalid_token);
}

} // namespace openmfd::actors
