#pragma once

// Internal to platform/: the factories behind make_backend(). The shared
// backends are defined in platform/*.cpp; make_native_backend() is defined
// once per OS in platform/<os>/native_backend.cpp, and CMake links exactly one.

#include "platform/keyboard_backend.hpp"

#include <string>
#include <string_view>

namespace openmfd::platform {

/// The dry-run backend (platform/dry_run_backend.cpp).
backend_result make_dry_run_backend(const backend_options& options);

/// The record backend (platform/record_backend.cpp).
backend_result make_record_backend(const backend_options& options);

/// This OS's backends: `auto_select` and the kinds native to this OS.
backend_result make_native_backend(backend_kind kind,
                                   const backend_options& options);

/// A failed result that carries `error`.
backend_result backend_failure(std::string error);

/// The failure for a kind that belongs to another OS: names what this build
/// (`this_os`) offers instead (`choices`, e.g. "xtest, uinput").
backend_result not_on_this_os(backend_kind kind, std::string_view this_os,
                              std::string_view choices);

/// Sends `text` to the options' diagnostics sink, if there is one.
void diagnose(const backend_options& options, std::string_view text);

} // namespace openmfd::platform
