#include "platform/secure_random.hpp"

#include <stdlib.h>

namespace openmfd::platform {

bool secure_random(void* out, std::size_t size) noexcept {
  ::arc4random_buf(out, size); // cannot fail on macOS
  return true;
}

} // namespace openmfd::platform
