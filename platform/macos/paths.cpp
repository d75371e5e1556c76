#include "platform/paths.hpp"

#include <cstdlib>

namespace openmfd::platform {

std::filesystem::path default_data_dir() {
  if (const char* home = std::getenv("HOME"); home && *home)
    return std::filesystem::path{home} / "Library" / "Application Support"
           / "OpenMFD";
  return {};
}

} // namespace openmfd::platform
