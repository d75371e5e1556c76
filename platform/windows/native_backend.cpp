// Windows: SendInput is the only native backend, so auto is sendinput.

#include "platform/windows/sendinput_backend.hpp"

namespace openmfd::platform {

backend_result make_native_backend(backend_kind kind,
                                   const backend_options& options) {
  switch (kind) {
    case backend_kind::auto_select:
    case backend_kind::sendinput:
      return windows_os::make_sendinput_backend(options);
    default:
      return not_on_this_os(kind, "Windows", "sendinput");
  }
}

} // namespace openmfd::platform
