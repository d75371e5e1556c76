#pragma once

#include <cstddef>

namespace openmfd::platform {

/// Fills `out` with `size` bytes from the OS's CSPRNG; false if it failed.
bool secure_random(void* out, std::size_t size) noexcept;

} // namespace openmfd::platform
