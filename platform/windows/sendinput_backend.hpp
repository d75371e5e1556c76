#pragma once

// Windows keyboard backend; platform/windows/native_backend.cpp chooses.

#include "platform/backend_factories.hpp"

namespace openmfd::platform::windows_os {

/// SendInput with scancodes (sendinput_backend.cpp): games read scancodes.
backend_result make_sendinput_backend(const backend_options& options);

} // namespace openmfd::platform::windows_os
