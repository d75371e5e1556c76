// macOS: CGEvent is the only native backend, so auto is cgevent.

#include "platform/macos/cgevent_backend.hpp"

namespace openmfd::platform {

backend_result make_native_backend(backend_kind kind,
                                   const backend_options& options) {
  switch (kind) {
    case backend_kind::auto_select:
    case backend_kind::cgevent:
      return macos_os::make_cgevent_backend(options);
    default:
      return not_on_this_os(kind, "macOS", "cgevent");
  }
}

} // namespace openmfd::platform
