// Built only with OPENMFD_PLATFORM_ONLY (tools/check-windows.sh): a program
// that reaches every part of platform/, so that the cross build links it and
// a system function without its import library fails on Linux, not on the
// first Windows machine. Not meant to be run.

#include "platform/host_info.hpp"
#include "platform/keyboard_backend.hpp"
#include "platform/paths.hpp"

#include <cstdio>

int main() {
  using namespace openmfd::platform;
  std::printf("%s %s\n", host_name().c_str(),
              default_data_dir().u8string().c_str());
  auto result = make_backend(backend_kind::auto_select, backend_options{});
  std::printf("%s\n", result ? "keyboard ready" : result.error.c_str());
  return result ? 0 : 1;
}
