#pragma once

// Linux keyboard backends; platform/linux/native_backend.cpp chooses.

#include "platform/backend_factories.hpp"

namespace openmfd::platform::linux_os {

/// XTest on the X display named by $DISPLAY (xtest_backend.cpp). libX11 and
/// libXtst are loaded at run time, so the server runs where X is absent.
backend_result make_xtest_backend(const backend_options& options);

/// A virtual keyboard made through options.uinput_device (uinput_backend.cpp).
backend_result make_uinput_backend(const backend_options& options);

} // namespace openmfd::platform::linux_os
