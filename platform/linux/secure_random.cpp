#include "platform/secure_random.hpp"

#include <cerrno>

#include <sys/random.h>

namespace openmfd::platform {

bool secure_random(void* out, std::size_t size) noexcept {
  auto* bytes = static_cast<unsigned char*>(out);
  while (size > 0) {
    auto n = ::getrandom(bytes, size, 0);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return false;
    }
    bytes += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

} // namespace openmfd::platform
