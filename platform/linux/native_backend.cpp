// Linux: xtest and uinput; auto prefers XTest inside an X session (no
// permissions needed) and falls back to uinput (works everywhere, but needs
// write access to /dev/uinput).

#include "platform/linux/backends.hpp"

#include <cstdlib>

namespace openmfd::platform {

namespace {

bool env_set(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0';
}

backend_result auto_select(const backend_options& options) {
  std::string xtest_error;
  if (env_set("DISPLAY")) {
    if (env_set("WAYLAND_DISPLAY"))
      diagnose(options,
               "auto: Wayland session: XTest reaches only X11 (XWayland) "
               "windows; use --injector uinput to reach native Wayland ones");
    auto result = linux_os::make_xtest_backend(options);
    if (result)
      return result;
    xtest_error = std::move(result.error);
  } else {
    xtest_error = "xtest: no X display ($DISPLAY unset)";
  }
  auto result = linux_os::make_uinput_backend(options);
  if (result) {
    diagnose(options, "auto: using uinput, because " + xtest_error);
    return result;
  }
  return backend_failure("no keyboard backend works on this host. "
                         + xtest_error + ". " + result.error
                         + ". (--injector dry-run injects nothing.)");
}

} // namespace

backend_result make_native_backend(backend_kind kind,
                                   const backend_options& options) {
  switch (kind) {
    case backend_kind::auto_select:
      return auto_select(options);
    case backend_kind::xtest:
      return linux_os::make_xtest_backend(options);
    case backend_kind::uinput:
      return linux_os::make_uinput_backend(options);
    default:
      return not_on_this_os(kind, "Linux", "xtest or uinput");
  }
}

} // namespace openmfd::platform
