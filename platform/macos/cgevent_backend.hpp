#pragma once

// macOS keyboard backend; platform/macos/native_backend.cpp chooses.

#include "platform/backend_factories.hpp"

namespace openmfd::platform::macos_os {

/// CGEventPost at the HID event tap (cgevent_backend.cpp). Fails with
/// instructions when this process has no Accessibility permission.
backend_result make_cgevent_backend(const backend_options& options);

} // namespace openmfd::platform::macos_os
