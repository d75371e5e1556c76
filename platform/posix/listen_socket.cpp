#include "platform/listen_socket.hpp"

#include <cerrno>

#include <sys/socket.h>

namespace openmfd::platform {

std::error_code prepare_listen_socket(std::uintptr_t native_handle) noexcept {
  int on = 1;
  if (::setsockopt(static_cast<int>(native_handle), SOL_SOCKET, SO_REUSEADDR,
                   &on, sizeof(on))
      != 0)
    return {errno, std::generic_category()};
  return {};
}

} // namespace openmfd::platform
