#include "platform/host_info.hpp"

#include <algorithm>
#include <thread>

namespace openmfd::platform {

// macOS has no CPU affinity: every core is usable.
unsigned usable_cores() {
  return std::max(1u, std::thread::hardware_concurrency());
}

} // namespace openmfd::platform
