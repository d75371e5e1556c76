#include "platform/secure_random.hpp"

#include <windows.h>
#include <bcrypt.h>

namespace openmfd::platform {

bool secure_random(void* out, std::size_t size) noexcept {
  return BCRYPT_SUCCESS(::BCryptGenRandom(
    nullptr, static_cast<PUCHAR>(out), static_cast<ULONG>(size),
    BCRYPT_USE_SYSTEM_PREFERRED_RNG));
}

} // namespace openmfd::platform
