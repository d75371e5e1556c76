#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>

#include "actors/messages.hpp"

namespace openmfd::actors {

/// Owns the console: puts pairing requests to the person at the host, one
/// prompt at a time, and runs the console commands.
using approval_actor = caf::typed_actor<
  caf::replies_to<atom::ask, approval_request>::with<approval_verdict>,
  caf::reacts_to<atom::withdraw, std::uint64_t>,
  caf::reacts_to<atom::expire, std::uint64_t>,
  caf::reacts_to<atom::line, std::string>, caf::reacts_to<atom::eof>,
  caf::reacts_to<atom::command_handler, caf::actor>>;

/// Where the approval actor sends console commands (the auth actor); set
/// with (atom::command_handler, handle) once that actor exists.
using console_command_handler = caf::typed_actor<
  caf::replies_to<atom::list>::with<std::string>,
  caf::replies_to<atom::revoke, std::string>::with<std::string>,
  caf::replies_to<atom::clear_denied>::with<std::string>>;

struct approval_config {
  /// Per request, counted from its arrival.
  std::chrono::milliseconds timeout{60'000};
  /// Distinct clients waiting at most (the one on screen included).
  std::size_t max_pending = 8;
  /// Writes console output (stdout in the server; a recorder in tests).
  std::function<void(const std::string&)> print;
};

/// Spawns the approval actor; `detached` gives it its own thread (console
/// writes may block), tests pass false to run it under the test scheduler.
approval_actor spawn_approval(caf::actor_system& sys, approval_config cfg,
                              bool detached);

} // namespace openmfd::actors
