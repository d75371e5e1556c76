#include "platform/host_info.hpp"

#include <algorithm>
#include <thread>

#include <sched.h>

namespace openmfd::platform {

// The affinity mask, not the machine: `taskset` and container cpusets
// leave the process fewer cores than hardware_concurrency() reports.
unsigned usable_cores() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (::sched_getaffinity(0, sizeof(set), &set) == 0)
    return std::max(1, CPU_COUNT(&set));
  return std::max(1u, std::thread::hardware_concurrency());
}

} // namespace openmfd::platform
