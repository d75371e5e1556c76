#include "platform/listen_socket.hpp"

#include <winsock2.h>

namespace openmfd::platform {

std::error_code prepare_listen_socket(std::uintptr_t native_handle) noexcept {
  BOOL on = TRUE;
  if (::setsockopt(static_cast<SOCKET>(native_handle), SOL_SOCKET,
                   SO_EXCLUSIVEADDRUSE, reinterpret_cast<const char*>(&on),
                   sizeof(on))
      != 0)
    return {::WSAGetLastError(), std::system_category()};
  return {};
}

} // namespace openmfd::platform
