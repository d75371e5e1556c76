#pragma once

#include <cstdint>
#include <system_error>

namespace openmfd::platform {

/// Prepares a freshly opened listening socket (its native handle) before
/// bind: on POSIX, SO_REUSEADDR so a restart is not refused while old
/// connections linger in TIME_WAIT; on Windows, where SO_REUSEADDR would let
/// another program bind the same port and take our connections,
/// SO_EXCLUSIVEADDRUSE instead.
std::error_code prepare_listen_socket(std::uintptr_t native_handle) noexcept;

} // namespace openmfd::platform
