#include "platform/host_info.hpp"

#include <bitset>

#include <windows.h>

namespace openmfd::platform {

// The process affinity mask (start /affinity, job objects), within the
// process's processor group.
unsigned usable_cores() {
  DWORD_PTR process_mask = 0;
  DWORD_PTR system_mask = 0;
  if (!::GetProcessAffinityMask(::GetCurrentProcess(), &process_mask,
                                &system_mask)
      || process_mask == 0)
    return 1;
  return static_cast<unsigned>(
    std::bitset<sizeof(DWORD_PTR) * 8>(process_mask).count());
}

} // namespace openmfd::platform
