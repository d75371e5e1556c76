#include "platform/paths.hpp"

#include <cstdlib>

namespace openmfd::platform {

std::filesystem::path default_data_dir() {
  // XDG base directory spec: data belongs under $XDG_DATA_HOME when set.
  if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg && *xdg == '/')
    return std::filesystem::path{xdg} / "openmfd";
  if (const char* home = std::getenv("HOME"); home && *home)
    return std::filesystem::path{home} / ".local" / "share" / "openmfd";
  return {};
}

} // namespace openmfd::platform
