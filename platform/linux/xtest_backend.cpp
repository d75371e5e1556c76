// XTest backend: fakes key presses in the X server named by $DISPLAY.
//
// libX11 and libXtst are loaded with dlopen (as Sunshine does), so the server
// binary starts on machines without X and can still use uinput there. The
// headers are used only for types: decltype(&XOpenDisplay) keeps every
// function pointer checked against the real prototype.

#include "platform/linux/backends.hpp"

#include <dlfcn.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <map>
#include <new>
#include <utility>

// Xlib last: it defines macros (None, Bool, Status, ...) that would clash
// with names in the standard headers.
#include <X11/Xlib.h>
#include <X11/XKBlib.h>
#include <X11/extensions/XTest.h>

namespace openmfd::platform::linux_os {

namespace {

struct library_closer {
  void operator()(void* handle) const noexcept {
    dlclose(handle);
  }
};

using library = std::unique_ptr<void, library_closer>;

// The first of `names` that loads, or null with dlerror() in `error`.
library open_library(std::initializer_list<const char*> names,
                     std::string& error) {
  for (const char* name : names) {
    if (void* handle = dlopen(name, RTLD_NOW | RTLD_LOCAL))
      return library{handle};
    const char* why = dlerror();
    error = why != nullptr ? why : name;
  }
  return nullptr;
}

template <class Fn>
bool resolve(const library& lib, const char* symbol, Fn& fn) {
  // POSIX guarantees that a dlsym result converts to a function pointer.
  fn = reinterpret_cast<Fn>(dlsym(lib.get(), symbol));
  return fn != nullptr;
}

// The part of Xlib and XTest that the backend calls.
struct x_api {
  library x11;
  library xtst;
  decltype(&::XOpenDisplay) open_display = nullptr;
  decltype(&::XCloseDisplay) close_display = nullptr;
  decltype(&::XKeysymToKeycode) keysym_to_keycode = nullptr;
  decltype(&::XSync) sync = nullptr;
  decltype(&::XPending) pending = nullptr;
  decltype(&::XNextEvent) next_event = nullptr;
  decltype(&::XRefreshKeyboardMapping) refresh_mapping = nullptr;
  decltype(&::XTestQueryExtension) query_xtest = nullptr;
  decltype(&::XTestFakeKeyEvent) fake_key_event = nullptr;
  decltype(&::XSetErrorHandler) set_error_handler = nullptr;
  decltype(&::XkbAllocKeyboard) xkb_alloc_keyboard = nullptr;
  decltype(&::XkbGetNames) xkb_get_names = nullptr;
  decltype(&::XkbFreeKeyboard) xkb_free_keyboard = nullptr;
  decltype(&::XGetAtomName) get_atom_name = nullptr;
  decltype(&::XFree) free = nullptr;
  decltype(&::XDisplayKeycodes) display_keycodes = nullptr;
  decltype(&::XSetIOErrorHandler) set_io_error_handler = nullptr;
  /// libX11 1.7 and later; without it a lost X server ends the process.
  decltype(&::XSetIOErrorExitHandler) set_io_error_exit_handler = nullptr;

  // Loads both libraries; on failure returns a message for the user.
  std::string load() {
    std::string error;
    x11 = open_library({"libX11.so.6", "libX11.so"}, error);
    if (!x11)
      return "cannot load libX11 (" + error
             + "): install the X11 client library (Debian: libx11-6)";
    xtst = open_library({"libXtst.so.6", "libXtst.so"}, error);
    if (!xtst)
      return "cannot load libXtst (" + error
             + "): install the XTest client library (Debian: libxtst6)";
    bool ok = resolve(x11, "XOpenDisplay", open_display)
              && resolve(x11, "XCloseDisplay", close_display)
              && resolve(x11, "XKeysymToKeycode", keysym_to_keycode)
              && resolve(x11, "XSync", sync)
              && resolve(x11, "XPending", pending)
              && resolve(x11, "XNextEvent", next_event)
              && resolve(x11, "XRefreshKeyboardMapping", refresh_mapping)
              && resolve(x11, "XSetErrorHandler", set_error_handler)
              && resolve(x11, "XkbAllocKeyboard", xkb_alloc_keyboard)
              && resolve(x11, "XkbGetNames", xkb_get_names)
              && resolve(x11, "XkbFreeKeyboard", xkb_free_keyboard)
              && resolve(x11, "XGetAtomName", get_atom_name)
              && resolve(x11, "XFree", free)
              && resolve(x11, "XDisplayKeycodes", display_keycodes)
              && resolve(x11, "XSetIOErrorHandler", set_io_error_handler)
              && resolve(xtst, "XTestQueryExtension", query_xtest)
              && resolve(xtst, "XTestFakeKeyEvent", fake_key_event);
    resolve(x11, "XSetIOErrorExitHandler", set_io_error_exit_handler);
    if (!ok)
      return "libX11 or libXtst lacks a function that XTest injection needs "
             "(broken or very old X libraries)";
    return {};
  }
};

// Xlib's default handlers end the process on an X protocol error and when
// the connection to the X server is lost (a logout, an X server restart):
// the whole server, its panels and their held keys with it. Here an error
// fails the key event that met it, and a lost connection fails every
// later one. Only the injector's thread uses the display; the handlers are
// process-wide, so what they found is kept in atomics.
std::atomic<bool> x_error_seen{false};

int on_x_error(Display*, XErrorEvent*) {
  x_error_seen = true;
  return 0;
}

int on_x_io_error(Display*) {
  return 0; // the exit handler below decides, and does not exit
}

void on_x_connection_lost(Display*, void* lost) {
  static_cast<std::atomic<bool>*>(lost)->store(true);
}

// Whether the X server numbers keys as the kernel does (evdev keycodes,
// offset by 8): Xorg and XWayland do; some VNC servers do not.
bool uses_evdev_keycodes(const x_api& api, Display* display) {
  XkbDescPtr desc = api.xkb_alloc_keyboard();
  if (desc == nullptr)
    return false;
  bool evdev = false;
  if (api.xkb_get_names(display, XkbKeycodesNameMask, desc) == Success
      && desc->names != nullptr && desc->names->keycodes != None) {
    char* name = api.get_atom_name(display, desc->names->keycodes);
    evdev = name != nullptr && std::strncmp(name, "evdev", 5) == 0;
    if (name != nullptr)
      api.free(name);
  }
  api.xkb_free_keyboard(desc, 0, True);
  return evdev;
}

class xtest_backend final : public keyboard_backend {
public:
  xtest_backend(x_api api, Display* display, bool evdev_keycodes)
    : api_(std::move(api)), display_(display),
      evdev_keycodes_(evdev_keycodes) {
    api_.display_keycodes(display_, &min_keycode_, &max_keycode_);
    api_.set_error_handler(on_x_error);
    if (api_.set_io_error_exit_handler) {
      api_.set_io_error_handler(on_x_io_error);
      api_.set_io_error_exit_handler(display_, on_x_connection_lost,
                                     &connection_lost_);
    }
  }

  // A lost display is closed too: Xlib does no I/O on it any more, and
  // frees what it holds.
  ~xtest_backend() override {
    api_.close_display(display_);
  }

  xtest_backend(const xtest_backend&) = delete;
  xtest_backend& operator=(const xtest_backend&) = delete;

  std::error_code send(const key_event& event) noexcept override {
    if (connection_lost_)
      return backend_errc::rejected;
    apply_keymap_changes();
    // By position where the X server numbers keys as the kernel does: the
    // key in the place of that key on a US keyboard, whatever the layout,
    // as SendInput's scancodes and uinput do (games bind keys by place; by
    // keysym, a German layout's '[' would be its 8 key, pressed without
    // AltGr). Else by the keysym, in the current keymap.
    int evdev = event.codes.evdev;
    bool by_place = evdev_keycodes_ && evdev != 0;
    // A place the X server has no key code for is a key it has not.
    if (by_place && (evdev + 8 < min_keycode_ || evdev + 8 > max_keycode_))
      return backend_errc::unmapped_key;
    KeySym keysym = event.codes.x11_keysym;
    KeyCode keycode = by_place ? static_cast<KeyCode>(evdev + 8)
                               : keycode_for(keysym, event.down);
    // A keysym that the current keymap lacks has no keycode to press.
    if (keycode == 0)
      return backend_errc::unmapped_key;
    if (!api_.fake_key_event(display_, keycode, event.down ? True : False,
                             CurrentTime))
      return backend_errc::rejected;
    if (!by_place)
      remember(keysym, keycode, event.down);
    // Wait until the server has processed the event: the injector's hold
    // times are then measured from when the key really went down, and an
    // error or a dead connection shows up here rather than at a later call.
    api_.sync(display_, False);
    if (connection_lost_ || x_error_seen.exchange(false))
      return backend_errc::rejected;
    return {};
  }

  std::string_view name() const noexcept override {
    return "xtest";
  }

private:
  // A key goes up with the keycode it went down with: if the keymap changed
  // in between (setxkbmap), the keysym's keycode now is another key's, or
  // none, and the key that is down would stay down (and auto-repeat).
  KeyCode keycode_for(KeySym keysym, bool down) noexcept {
    if (keysym == 0)
      return 0;
    if (!down) {
      if (auto it = pressed_.find(keysym); it != pressed_.end())
        return it->second;
    }
    return api_.keysym_to_keycode(display_, keysym);
  }

  void remember(KeySym keysym, KeyCode keycode, bool down) noexcept {
    if (!down) {
      pressed_.erase(keysym);
      return;
    }
    try {
      pressed_.emplace(keysym, keycode);
    } catch (const std::bad_alloc&) {
      // Then it goes up by the keymap, as before.
    }
  }

  // Xlib caches the keymap; without handling MappingNotify a layout change
  // (setxkbmap) while the server runs would press stale keycodes. Draining
  // the queue here also keeps it from growing, as nobody else reads it.
  void apply_keymap_changes() noexcept {
    while (api_.pending(display_) > 0) {
      XEvent ev;
      api_.next_event(display_, &ev);
      if (ev.type == MappingNotify)
        api_.refresh_mapping(&ev.xmapping);
    }
  }

  x_api api_;
  Display* display_;
  const bool evdev_keycodes_;
  int min_keycode_ = 8;
  int max_keycode_ = 255;
  std::atomic<bool> connection_lost_{false};
  /// The keycode of each key that is down, by keysym.
  std::map<KeySym, KeyCode> pressed_;
};

} // namespace

backend_result make_xtest_backend(const backend_options& options) {
  const char* name = std::getenv("DISPLAY");
  if (name == nullptr || *name == '\0')
    return backend_failure(
      "xtest: no X display ($DISPLAY unset): start the server inside your X "
      "session (or set DISPLAY, e.g. DISPLAY=:0), or use --injector uinput");
  x_api api;
  if (auto error = api.load(); !error.empty())
    return backend_failure("xtest: " + error);
  Display* display = api.open_display(nullptr);
  if (display == nullptr)
    return backend_failure(
      std::string{"xtest: cannot open X display \""} + name
      + "\": check that the X server runs and that this user may connect "
        "(XAUTHORITY, xhost), or use --injector uinput");
  int event_base = 0;
  int error_base = 0;
  int major = 0;
  int minor = 0;
  if (!api.query_xtest(display, &event_base, &error_base, &major, &minor)) {
    api.close_display(display);
    return backend_failure(
      std::string{"xtest: the X server on \""} + name
      + "\" has no XTEST extension: enable it in the X server's "
        "configuration, or use --injector uinput");
  }
  bool evdev = uses_evdev_keycodes(api, display);
  diagnose(options, std::string{"xtest: injecting into X display \""} + name
                      + "\" (XTEST " + std::to_string(major) + "."
                      + std::to_string(minor) + "), keys by "
                      + (evdev ? "position" : "keysym"));
  backend_result result;
  result.backend
    = std::make_unique<xtest_backend>(std::move(api), display, evdev);
  return result;
}

} // namespace openmfd::platform::linux_os
