#include "platform/paths.hpp"

#include <cstdlib>

namespace openmfd::platform {

std::filesystem::path default_data_dir() {
  // %APPDATA% is the roaming per-user folder; _wgetenv keeps non-ASCII names.
  if (const wchar_t* appdata = _wgetenv(L"APPDATA"); appdata && *appdata)
    return std::filesystem::path{appdata} / L"OpenMFD";
  return {};
}

} // namespace openmfd::platform
