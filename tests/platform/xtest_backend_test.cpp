// The XTest backend, verified by the X server itself: the test maps its own
// window, gives it the focus, injects through the backend and reads the
// KeyPress/KeyRelease events (and the server's key state) back.
//
// Tagged [xvfb]: CTest runs these under `xvfb-run` (platform.xtest_under_xvfb)
// with OPENMFD_REQUIRE_X=1. Without a display they warn and pass, unless
// OPENMFD_REQUIRE_X is set, so a broken Xvfb cannot pass silently.

#include "platform/keyboard_backend.hpp"

#include <catch2/catch.hpp>

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

// Xlib last: its macros (None, Bool, Status, ...) clash with other headers.
#include <X11/Xlib.h>
#include <X11/keysym.h>

using namespace openmfd::platform;
using namespace std::chrono_literals;

namespace {

using clock_type = std::chrono::steady_clock;

// True when the test may talk to an X server; otherwise it says why.
bool display_available() {
  const char* display = std::getenv("DISPLAY");
  if (display != nullptr && *display != '\0')
    return true;
  if (std::getenv("OPENMFD_REQUIRE_X") != nullptr)
    FAIL("OPENMFD_REQUIRE_X is set but DISPLAY is not: xvfb-run failed?");
  WARN("no display: skipped (run under xvfb-run, as CTest's "
       "platform.xtest_under_xvfb does)");
  return false;
}

// Our connection, open until the process ends: an X server resets when its
// last client leaves (Xvfb under xvfb-run does), and a test that connects
// during that reset fails to connect.
Display* test_display() {
  static Display* display = XOpenDisplay(nullptr);
  return display;
}

// A focused window of ours that receives the injected keys.
class x_window {
public:
  x_window() : display_(test_display()) {
    REQUIRE(display_ != nullptr);
    window_ = XCreateSimpleWindow(display_, XDefaultRootWindow(display_), 0, 0,
                                  64, 64, 0, 0, 0);
    XSelectInput(display_, window_,
                 KeyPressMask | KeyReleaseMask | StructureNotifyMask);
    XMapWindow(display_, window_);
    REQUIRE(wait_for(MapNotify, 5s).has_value());
    // No window manager under Xvfb: we set the focus ourselves.
    XSetInputFocus(display_, window_, RevertToParent, CurrentTime);
    XSync(display_, False);
    Window focus = 0;
    int revert = 0;
    XGetInputFocus(display_, &focus, &revert);
    REQUIRE(focus == window_);
  }

  ~x_window() {
    XDestroyWindow(display_, window_);
    XSync(display_, False);
  }

  x_window(const x_window&) = delete;
  x_window& operator=(const x_window&) = delete;

  KeyCode keycode(KeySym keysym) const {
    return XKeysymToKeycode(display_, keysym);
  }

  // The next event of `type` for this window (with `type` 0: the next
  // KeyPress or KeyRelease), waiting at most `timeout`.
  std::optional<XEvent> wait_for(int type, clock_type::duration timeout) {
    auto deadline = clock_type::now() + timeout;
    for (;;) {
      while (XPending(display_) > 0) {
        XEvent ev;
        XNextEvent(display_, &ev);
        bool key = ev.type == KeyPress || ev.type == KeyRelease;
        bool ours = ev.xany.window == window_; // not an earlier test's
        if (ours && (ev.type == type || (type == 0 && key)))
          return ev;
      }
      auto left = deadline - clock_type::now();
      if (left <= 0s)
        return std::nullopt;
      pollfd fd{XConnectionNumber(display_), POLLIN, 0};
      poll(&fd, 1,
           static_cast<int>(
             std::chrono::duration_cast<std::chrono::milliseconds>(left)
               .count())
             + 1);
    }
  }

  // Whether the server's keyboard state has `keycode` down now.
  bool key_is_down(KeyCode keycode) {
    char keys[32] = {};
    XQueryKeymap(display_, keys);
    return (keys[keycode / 8] & (1 << (keycode % 8))) != 0;
  }

private:
  Display* display_;
  Window window_ = 0;
};

// Sends key events through the backend and releases whatever is still down
// when the test ends, even a failed one: a stuck key on a developer's real
// display would be worse than the failure.
class presser {
public:
  presser() {
    auto result = make_backend(backend_kind::xtest, backend_options{});
    INFO(result.error);
    REQUIRE(result);
    backend_ = std::move(result.backend);
    REQUIRE(backend_->name() == "xtest");
  }

  ~presser() {
    for (KeySym keysym : held_)
      backend_->send(event(keysym, false));
  }

  presser(const presser&) = delete;
  presser& operator=(const presser&) = delete;

  std::error_code send(KeySym keysym, bool down) {
    auto ec = backend_->send(event(keysym, down));
    if (!ec && down)
      held_.insert(keysym);
    else if (!ec)
      held_.erase(keysym);
    return ec;
  }

private:
  static key_event event(KeySym keysym, bool down) {
    key_event ev;
    ev.codes.x11_keysym = static_cast<std::uint32_t>(keysym);
    ev.down = down;
    return ev;
  }

  std::unique_ptr<keyboard_backend> backend_;
  std::set<KeySym> held_;
};

} // namespace

TEST_CASE("xtest key presses reach the focused X window in order", "[xvfb]") {
  if (!display_available())
    return;
  x_window window;
  presser keys;
  struct step {
    KeySym keysym;
    bool down;
  };
  // lalt+f as a key script would send it, then a plain tap.
  const step script[] = {{XK_Alt_L, true}, {XK_f, true},  {XK_f, false},
                         {XK_Alt_L, false}, {XK_a, true}, {XK_a, false}};
  for (const auto& s : script)
    REQUIRE_FALSE(keys.send(s.keysym, s.down));
  for (const auto& s : script) {
    auto ev = window.wait_for(0, 2s);
    REQUIRE(ev.has_value());
    INFO("keysym " << s.keysym << (s.down ? " down" : " up"));
    CHECK(ev->type == (s.down ? KeyPress : KeyRelease));
    CHECK(ev->xkey.keycode == window.keycode(s.keysym));
  }
  CHECK_FALSE(window.wait_for(0, 100ms).has_value()); // nothing extra
}

TEST_CASE("xtest holds a key down in the server until released", "[xvfb]") {
  if (!display_available())
    return;
  x_window window;
  presser keys;
  KeyCode shift = window.keycode(XK_Shift_L);
  REQUIRE(shift != 0);
  REQUIRE_FALSE(window.key_is_down(shift));
  REQUIRE_FALSE(keys.send(XK_Shift_L, true));
  // send() waits for the server (XSync), so the state is current at once.
  CHECK(window.key_is_down(shift));
  REQUIRE_FALSE(keys.send(XK_Shift_L, false));
  CHECK_FALSE(window.key_is_down(shift));
}

TEST_CASE("xtest refuses keys that the keymap lacks", "[xvfb]") {
  if (!display_available())
    return;
  x_window window;
  presser keys;
  // No keysym at all: Xlib would answer with some keycode whose slot is
  // empty (it does under Xvfb), so the backend must refuse it itself.
  CHECK(keys.send(NoSymbol, true) == backend_errc::unmapped_key);
  // U+FFFD, which no keyboard layout carries.
  KeySym replacement_char = 0x100fffd;
  REQUIRE(window.keycode(replacement_char) == 0);
  CHECK(keys.send(replacement_char, true) == backend_errc::unmapped_key);
  CHECK_FALSE(window.wait_for(0, 100ms).has_value()); // nothing was pressed
}

// A layout change (setxkbmap) while a key is held: the key that went down
// must go up, not whatever key the keysym has moved to.
TEST_CASE("xtest lets go of the key it pressed after a keymap change",
          "[xvfb]") {
  if (!display_available())
    return;
  x_window window;
  Display* display = test_display();
  KeyCode a = window.keycode(XK_a);
  REQUIRE(a != 0);
  int min_code = 0;
  int max_code = 0;
  XDisplayKeycodes(display, &min_code, &max_code);
  int per = 0;
  KeySym* map = XGetKeyboardMapping(display, static_cast<KeyCode>(min_code),
                                    max_code - min_code + 1, &per);
  REQUIRE(map != nullptr);
  auto syms_of = [&](int code) {
    auto* first = map + (code - min_code) * per;
    return std::vector<KeySym>(first, first + per);
  };
  const std::vector<KeySym> none(static_cast<std::size_t>(per), NoSymbol);
  int spare = 0; // a keycode with no keysym, to move 'a' to
  for (int code = max_code; code >= min_code && spare == 0; --code)
    if (syms_of(code) == none)
      spare = code;
  const auto a_syms = syms_of(a);
  XFree(map);
  REQUIRE(spare != 0);

  presser keys;
  REQUIRE_FALSE(keys.send(XK_a, true));
  CHECK(window.key_is_down(a));
  auto moved = none;
  moved[0] = XK_a;
  auto remap = [&](const std::vector<KeySym>& at_a,
                   const std::vector<KeySym>& at_spare) {
    XChangeKeyboardMapping(display, a, per,
                           const_cast<KeySym*>(at_a.data()), 1);
    XChangeKeyboardMapping(display, spare, per,
                           const_cast<KeySym*>(at_spare.data()), 1);
    XSync(display, False);
  };
  remap(none, moved);
  auto released = keys.send(XK_a, false);
  bool a_still_down = window.key_is_down(a);
  remap(a_syms, none); // back, for the tests that follow
  CHECK_FALSE(released);
  CHECK_FALSE(a_still_down);
}

// On an AZERTY keyboard the key in A's place types 'q': a game bound to
// that place must get that key. Here 'a' and 'q' swap places, as there.
TEST_CASE("xtest presses keys by position where keycodes are evdev's",
          "[xvfb]") {
  if (!display_available())
    return;
  x_window window;
  Display* display = test_display();
  constexpr int evdev_a = 30; // KEY_A
  const auto place_of_a = static_cast<KeyCode>(evdev_a + 8);
  REQUIRE(window.keycode(XK_a) == place_of_a); // Xvfb numbers keys as evdev
  const KeyCode place_of_q = window.keycode(XK_q);
  REQUIRE(place_of_q != 0);
  auto set = [&](KeyCode code, KeySym sym) {
    KeySym syms[2] = {sym, NoSymbol};
    XChangeKeyboardMapping(display, code, 2, syms, 1);
    XSync(display, False);
  };
  set(place_of_a, XK_q);
  set(place_of_q, XK_a);

  auto result = make_backend(backend_kind::xtest, backend_options{});
  REQUIRE(result);
  key_event a;
  a.codes.x11_keysym = XK_a;
  a.codes.evdev = evdev_a;
  a.down = true;
  auto pressed = result.backend->send(a);
  auto got = window.wait_for(KeyPress, 2s);
  a.down = false;
  auto released = result.backend->send(a);
  set(place_of_a, XK_a); // back, for the tests that follow
  set(place_of_q, XK_q);
  CHECK_FALSE(pressed);
  CHECK_FALSE(released);
  REQUIRE(got.has_value());
  CHECK(got->xkey.keycode == place_of_a);
}

TEST_CASE("auto picks xtest inside an X session", "[xvfb]") {
  if (!display_available())
    return;
  std::vector<std::string> logged;
  backend_options options;
  options.diagnostics = [&](std::string_view line) {
    logged.emplace_back(line);
  };
  auto result = make_backend(backend_kind::auto_select, options);
  INFO(result.error);
  REQUIRE(result);
  CHECK(result.backend->name() == "xtest");
  REQUIRE_FALSE(logged.empty());
  CHECK(logged.back().find("xtest: injecting into X display") == 0);
}

namespace {

// An X server of the test's own, which it can kill: Xvfb on a display
// number it picks itself (-displayfd), reachable only through its socket.
class own_x_server {
public:
  own_x_server() {
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    pid_ = ::fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      ::close(fds[0]);
      auto fd = std::to_string(fds[1]);
      ::execlp("Xvfb", "Xvfb", "-displayfd", fd.c_str(), "-nolisten", "tcp",
               static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::close(fds[1]);
    std::string number;
    char c = 0;
    while (::read(fds[0], &c, 1) == 1 && c != '\n')
      number.push_back(c);
    ::close(fds[0]);
    REQUIRE_FALSE(number.empty());
    display_ = ":" + number;
  }

  ~own_x_server() { kill(); }

  own_x_server(const own_x_server&) = delete;
  own_x_server& operator=(const own_x_server&) = delete;

  const std::string& display() const { return display_; }

  void kill() {
    if (pid_ <= 0)
      return;
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

private:
  pid_t pid_ = -1;
  std::string display_;
};

} // namespace

// Xlib's default handlers would end the whole server here (exit(1)).
TEST_CASE("xtest fails key events, not the process, when its X server is "
          "gone", "[xvfb]") {
  if (!display_available())
    return;
  own_x_server x;
  std::string previous = std::getenv("DISPLAY");
  ::setenv("DISPLAY", x.display().c_str(), 1);
  auto result = make_backend(backend_kind::xtest, backend_options{});
  ::setenv("DISPLAY", previous.c_str(), 1);
  INFO(result.error);
  REQUIRE(result);
  key_event a;
  a.codes.x11_keysym = XK_a;
  a.down = true;
  CHECK_FALSE(result.backend->send(a));
  a.down = false;
  CHECK_FALSE(result.backend->send(a));
  x.kill();
  a.down = true;
  CHECK(result.backend->send(a) == backend_errc::rejected);
  CHECK(result.backend->send(a) == backend_errc::rejected);
  result.backend.reset(); // and its end does not hang or exit either
}
