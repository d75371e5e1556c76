#include "tools/loadtest/system.hpp"

#include <fstream>
#include <string>

#include <sys/resource.h>
#include <unistd.h>

namespace openmfd::loadtest {

std::uint64_t raise_open_file_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0)
    return 0;
  if (limit.rlim_cur < limit.rlim_max) {
    auto raised = limit;
    raised.rlim_cur = raised.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0)
      limit = raised;
  }
  return limit.rlim_cur;
}

std::optional<std::uint64_t> resident_kib(int pid) {
  std::ifstream status{"/proc/" + std::to_string(pid) + "/status"};
  std::string key;
  while (status >> key) {
    if (key == "VmRSS:") {
      std::uint64_t kib = 0;
      if (status >> kib)
        return kib;
      return std::nullopt;
    }
    status.ignore(4096, '\n');
  }
  return std::nullopt;
}

bool stdout_is_terminal() { return isatty(STDOUT_FILENO) == 1; }

} // namespace openmfd::loadtest
